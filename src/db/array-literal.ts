/**
 * A PostgreSQL array literal (`{"a","b",NULL}`) built in one pass, passed as a parameter cast to
 * `text[]` or `int8[]`. Both drivers send a string parameter through untouched; for a JS array, pg
 * escapes every element with two regex replaces, ~3.5 µs per element: 0.35 s of the nine columns of
 * a 100,000-item init, against ~0.1 s here, where the common element needs no escaping at all.
 */
const needsEscape = /[\\"]/;

export function textArrayLiteral(values: readonly (string | null)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null) literal += 'NULL';
    else literal += '"' + (needsEscape.test(value) ? value.replace(/[\\"]/g, '\\$&') : value) + '"';
  }
  return literal + '}';
}

/** Integers need no quoting: `{1,2,3}`. */
export function int8ArrayLiteral(values: readonly bigint[]): string {
  return '{' + values.join(',') + '}';
}
