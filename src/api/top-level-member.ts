/**
 * The top-level string member `name` of a JSON object held as bytes, found in one pass that builds
 * nothing but the member names and that one string. It is how a refusal of a large body (an init of
 * megabytes whose signature is wrong) still echoes its conversationId: JSON.parse of a 20 MB init
 * would build every item only to say no, while this pass reads the bytes once, as the HMAC over
 * them already did.
 *
 * Undefined when the top level is not a well-formed object (its names, `:` and `,`, its string and
 * scalar members; nested objects and arrays are skipped by their brackets, not checked inside) or
 * has no string member of that name. When a name repeats, the last wins, as with JSON.parse.
 */
export function topLevelStringMember(bytes: Buffer, name: string): string | undefined {
  let found: string | undefined;
  let at = skipSpace(bytes, 0);
  if (bytes[at] !== 0x7b) return undefined; // {
  at = skipSpace(bytes, at + 1);
  if (bytes[at] === 0x7d) return undefined; // {}: no members
  for (;;) {
    const keyEnd = stringEnd(bytes, at);
    if (keyEnd < 0) return undefined;
    const key = decodeString(bytes, at, keyEnd);
    if (key === undefined) return undefined;
    at = skipSpace(bytes, keyEnd);
    if (bytes[at] !== 0x3a) return undefined; // :
    at = skipSpace(bytes, at + 1);
    const valueEnd = bytes[at] === 0x22 ? stringEnd(bytes, at) : bytes[at] === 0x7b || bytes[at] === 0x5b ? nestedEnd(bytes, at) : scalarEnd(bytes, at);
    if (valueEnd < 0) return undefined;
    if (bytes[at] === 0x22) {
      const value = decodeString(bytes, at, valueEnd);
      if (value === undefined) return undefined;
      if (key === name) found = value;
    } else if (key === name) {
      found = undefined; // a later non-string member replaces an earlier string one, as in JSON.parse
    }
    at = skipSpace(bytes, valueEnd);
    if (bytes[at] === 0x2c) {
      at = skipSpace(bytes, at + 1);
      continue;
    }
    if (bytes[at] !== 0x7d) return undefined;
    return endsAt(bytes, at + 1) ? found : undefined;
  }
}

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (isSpace(bytes[at])) at++;
  return at;
}

function endsAt(bytes: Buffer, at: number): boolean {
  return skipSpace(bytes, at) === bytes.length;
}

/** Index just past the string token starting at `at` (a `"`); -1 when it does not close. */
function stringEnd(bytes: Buffer, at: number): number {
  if (bytes[at] !== 0x22) return -1;
  for (let i = at + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x5c) i++; // the escaped byte is skipped; decodeString checks the escape itself
    else if (byte === 0x22) return i + 1;
    else if (byte < 0x20) return -1;
  }
  return -1;
}

function decodeString(bytes: Buffer, start: number, end: number): string | undefined {
  try {
    return JSON.parse(bytes.toString('utf8', start, end)) as string;
  } catch {
    return undefined;
  }
}

/** Index just past the object or array starting at `at`, brackets matched by kind; -1 when unbalanced. */
function nestedEnd(bytes: Buffer, at: number): number {
  const open: number[] = [];
  for (let i = at; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x22) {
      const end = stringEnd(bytes, i);
      if (end < 0) return -1;
      i = end - 1;
    } else if (byte === 0x7b || byte === 0x5b) {
      open.push(byte + 2); // { → }, [ → ]
    } else if (byte === 0x7d || byte === 0x5d) {
      if (open.pop() !== byte) return -1;
      if (open.length === 0) return i + 1;
    }
  }
  return -1;
}

const scalar = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;

/** Index just past the number or literal starting at `at`; -1 when it is neither. */
function scalarEnd(bytes: Buffer, at: number): number {
  let end = at;
  while (end < bytes.length && !isSpace(bytes[end]) && bytes[end] !== 0x2c && bytes[end] !== 0x7d) end++;
  if (end === at) return -1;
  return scalar.test(bytes.toString('latin1', at, end)) ? end : -1;
}
