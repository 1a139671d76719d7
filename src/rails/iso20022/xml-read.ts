/** A parsed element: children by local name (an array where the element repeats), attributes under `@_name`, text under `#text`. */
export type XmlNode = { [name: string]: XmlValue };
/** An element without attributes or children is its text; undefined members are left out when building. */
export type XmlValue = string | number | XmlNode | XmlNode[] | undefined;

/** A document that cannot be read whole: not well-formed, or not what its namespace says. */
export class XmlFormatError extends Error {}

export interface ReadDocument {
  /** The root element's local name and its namespace (that of its prefix, or the default one). */
  rootName: string;
  namespace: string | undefined;
  root: XmlNode;
}

interface Open {
  name: string;
  local: string;
  node: XmlNode;
  text: string;
  structured: boolean;
}

const blank = /^[ \t\r\n]*$/;

/**
 * Reads a whole document in one pass and checks that it is well-formed as it goes: every element
 * closed by its own end tag, one root, quoted and unique attributes, entity references that exist,
 * nothing but comments and processing instructions around the root. A file cut short anywhere (a
 * truncated transfer) fails here, never reads as a shorter report. No DOCTYPE is accepted: a bank
 * file has none, and a DTD's entities are how XML parsers get attacked.
 *
 * The result has the shape the codec reads: namespace prefixes dropped (and the xmlns attributes
 * with them), text trimmed, entities decoded, an element in `repeated` always an array. Written for
 * volume (a 10,000-transaction report is ~3 MB): indexOf between tags, strings sliced, not built
 * character by character.
 */
export function readXml(xml: string, repeated: ReadonlySet<string>): ReadDocument {
  const fail = (what: string, at: number): never => {
    let line = 1;
    for (let i = xml.indexOf('\n'); i !== -1 && i < at; i = xml.indexOf('\n', i + 1)) line++;
    throw new XmlFormatError(`not well-formed XML: ${what} (line ${line})`);
  };
  const stack: Open[] = [];
  let result: ReadDocument | undefined;
  let pos = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const end = xml.length;

  const close = (open: Open) => {
    const text = open.text.trim();
    let value: XmlValue;
    if (open.structured) {
      value = open.node;
      if (text !== '') open.node['#text'] = text;
    } else value = text;
    const parent = stack[stack.length - 1];
    if (!parent) {
      result!.root = typeof value === 'string' ? {} : value;
      return;
    }
    parent.structured = true;
    const existing = parent.node[open.local];
    if (existing === undefined) parent.node[open.local] = repeated.has(open.local) ? [value as XmlNode] : value;
    else if (Array.isArray(existing)) existing.push(value as XmlNode);
    else parent.node[open.local] = [existing as XmlNode, value as XmlNode];
  };

  while (pos < end) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt === -1 ? end : lt;
    if (textEnd > pos) {
      const open = stack[stack.length - 1];
      if (open) open.text += decodeEntities(xml, pos, textEnd, fail);
      else if (!blank.test(xml.slice(pos, textEnd))) fail(result ? 'text after the root element' : 'text before the root element', pos);
    }
    if (lt === -1) break;
    const next = xml.charCodeAt(lt + 1);
    if (next === 47 /* / */) {
      const gt = xml.indexOf('>', lt + 2);
      if (gt === -1) fail('an end tag is cut short', lt);
      const name = xml.slice(lt + 2, gt).trimEnd();
      const open = stack.pop();
      if (!open) fail(`</${name}> closes nothing`, lt);
      if (open!.name !== name) fail(`</${name}> closes <${open!.name}>`, lt);
      close(open!);
      pos = gt + 1;
    } else if (next === 33 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const close = xml.indexOf('-->', lt + 4);
        if (close === -1) fail('a comment is not closed', lt);
        pos = close + 3;
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const open = stack[stack.length - 1];
        if (!open) fail('CDATA outside the root element', lt);
        const close = xml.indexOf(']]>', lt + 9);
        if (close === -1) fail('a CDATA section is not closed', lt);
        open!.text += xml.slice(lt + 9, close);
        pos = close + 3;
      } else fail('a DOCTYPE or markup declaration, which a bank file never has', lt);
    } else if (next === 63 /* ? */) {
      const close = xml.indexOf('?>', lt + 2);
      if (close === -1) fail('a processing instruction is not closed', lt);
      pos = close + 2;
    } else {
      pos = startTag(lt);
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1].name}> is not closed: the document ends first`, end);
  if (!result) fail('no root element', end);
  return result!;

  /** Reads the start tag at `lt`, opens (or opens and closes) its element; returns the position after it. */
  function startTag(lt: number): number {
    let at = lt + 1;
    if (!isNameStart(xml.charCodeAt(at))) fail('a "<" that starts no tag', lt);
    while (at < end && isNameChar(xml.charCodeAt(at))) at++;
    const name = xml.slice(lt + 1, at);
    const colon = name.indexOf(':');
    const local = colon === -1 ? name : name.slice(colon + 1);
    if (local === '' || local.includes(':')) fail(`"${name}" is not an element name`, lt);
    if (stack.length === 0 && result) fail('a second root element', lt);
    const node: XmlNode = {};
    let structured = false;
    let defaultNamespace: string | undefined;
    const prefixed = new Map<string, string>();
    const seen = new Set<string>();
    for (;;) {
      const before = at;
      while (at < end && isSpace(xml.charCodeAt(at))) at++;
      if (at >= end) fail(`<${name}> is cut short`, lt);
      const c = xml.charCodeAt(at);
      if (c === 62 /* > */ || (c === 47 /* / */ && xml.charCodeAt(at + 1) === 62)) {
        const selfClosing = c === 47;
        const open: Open = { name, local, node, text: '', structured };
        if (stack.length === 0) {
          const prefix = colon === -1 ? undefined : name.slice(0, colon);
          result = { rootName: local, namespace: prefix === undefined ? defaultNamespace : prefixed.get(prefix), root: {} };
        }
        if (selfClosing) close(open);
        else stack.push(open);
        return at + (selfClosing ? 2 : 1);
      }
      if (at === before) fail(`<${name}>: attributes must be separated by white space`, at);
      const nameFrom = at;
      if (!isNameStart(xml.charCodeAt(at))) fail(`<${name}>: a malformed attribute`, at);
      while (at < end && isNameChar(xml.charCodeAt(at))) at++;
      const attribute = xml.slice(nameFrom, at);
      while (at < end && isSpace(xml.charCodeAt(at))) at++;
      if (xml[at] !== '=') fail(`<${name}>: attribute ${attribute} has no value`, at);
      at++;
      while (at < end && isSpace(xml.charCodeAt(at))) at++;
      const quote = xml[at];
      if (quote !== '"' && quote !== "'") fail(`<${name}>: the value of ${attribute} is not quoted`, at);
      const closing = xml.indexOf(quote, at + 1);
      if (closing === -1) fail(`<${name}>: the value of ${attribute} is not closed`, at);
      if (xml.slice(at + 1, closing).includes('<')) fail(`<${name}>: a "<" in the value of ${attribute}`, at);
      const value = decodeEntities(xml, at + 1, closing, fail);
      at = closing + 1;
      if (seen.has(attribute)) fail(`<${name}>: attribute ${attribute} twice`, nameFrom);
      seen.add(attribute);
      if (attribute === 'xmlns') defaultNamespace = value;
      else if (attribute.startsWith('xmlns:')) prefixed.set(attribute.slice(6), value);
      else {
        const attributeColon = attribute.indexOf(':');
        node[`@_${attributeColon === -1 ? attribute : attribute.slice(attributeColon + 1)}`] = value;
        structured = true;
      }
    }
  }
}

/** ASCII names only: every ISO 20022 element and attribute name is. */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 58;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const reference = /&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z][\w.-]*);|&/g;

/** xml[from, to) with its entity references decoded; a "&" that starts none is not well-formed. */
function decodeEntities(xml: string, from: number, to: number, fail: (what: string, at: number) => never): string {
  const raw = xml.slice(from, to);
  if (!raw.includes('&')) return raw;
  return raw.replace(reference, (match, ref: string | undefined, offset: number) => {
    if (ref === undefined) return fail('a "&" that starts no entity reference', from + offset);
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return fail(`${match} is not a character`, from + offset);
      return String.fromCodePoint(code);
    }
    const known = predefined[ref];
    if (known === undefined) return fail(`${match} is not an entity of XML (and no DTD is read)`, from + offset);
    return known;
  });
}
