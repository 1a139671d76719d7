/**
 * Rows in the text format of COPY … FROM (PostgreSQL docs, "COPY", File Formats): one line per row,
 * columns separated by a tab, NULL as `\N`, and backslash, tab, newline and carriage return escaped
 * with a backslash. Strings go in as JS strings; the caller encodes the whole chunk as UTF-8 once.
 */
const needsEscape = /[\\\t\n\r]/;
const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One text column; null is `\N`. The common value needs no escaping and is returned as is. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return needsEscape.test(value) ? value.replace(/[\\\t\n\r]/g, (char) => escapes[char]) : value;
}
