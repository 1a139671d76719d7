import pg from 'pg';
import { textArrayLiteral } from './array-literal.ts';
import type { Statement } from './port.ts';

/**
 * One statement's text with its parameters written in as literals, so that several statements can
 * go to the server as one simple query (Queryable.queryAll). Each value becomes the text a parameter
 * would carry (an array as an array literal, a bigint as its digits), quoted by pg's escapeLiteral:
 * an untyped literal, which the server types from its context exactly as it types an untyped
 * parameter (`$1::int8[]` stays a cast, `open_count - $2` an integer). NULL stays NULL. The texts
 * are ours: a `$n` means parameter n everywhere in them (no dollar-quoted strings), and every one
 * must be given.
 */
export function inlineParameters({ sql, params = [] }: Statement): string {
  return sql.replace(/\$(\d+)/g, (_, digits: string) => {
    const index = Number(digits) - 1;
    if (index >= params.length) throw new Error(`inlineParameters: $${digits} has no value (${params.length} given)`);
    const text = parameterText(params[index]);
    return text === null ? 'null' : pg.escapeLiteral(text);
  });
}

function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
  }
  if (value instanceof Uint8Array) throw new Error('inlineParameters: a binary value is not supported');
  if (Array.isArray(value)) return textArrayLiteral(value.map(elementText));
  if (value instanceof Date) return value.toISOString();
  throw new Error(`inlineParameters: a ${Object.prototype.toString.call(value)} parameter is not supported`);
}

function elementText(value: unknown): string | null {
  if (Array.isArray(value)) throw new Error('inlineParameters: nested arrays are not supported');
  return parameterText(value);
}
