import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The XML layer of the ISO 20022 codec, on fast-xml-parser. Documents are built from plain objects
 * whose key order is the schema's element order (attributes prefixed `@_`, text under `#text`), and
 * parsed into the same shape with every element kept as an array where the schema allows several.
 */
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', format: true, indentBy: '  ', suppressEmptyNode: true });

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | number | XmlNode | XmlNode[] | undefined;

/** A document with its declaration and root namespace. Undefined members are left out. */
export function buildDocument(namespace: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ Document: { '@_xmlns': namespace, ...body } })}`;
}

/** Elements that may repeat in the reports we read: always parsed as arrays, even when there is one. */
const repeated = new Set(['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'PmtInf', 'CdtTrfTxInf']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) => repeated.has(name),
});

export class XmlFormatError extends Error {}

/** Parses a whole document; anything not well-formed (a truncated file) is an XmlFormatError. */
export function parseDocument(xml: string): { namespace: string; root: XmlNode } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlFormatError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parsed = parser.parse(xml) as XmlNode;
  const document = parsed.Document;
  if (!isNode(document)) throw new XmlFormatError('no <Document> root element');
  const namespace = rootNamespace(xml);
  if (namespace === undefined) throw new XmlFormatError('the <Document> element has no namespace');
  return { namespace, root: document };
}

/**
 * The namespace of the <Document> root, prefixed (`<p:Document xmlns:p="…">`, as some banks write
 * it) or not. Read from the start tag itself: the parser drops namespace prefixes, and the xmlns
 * attributes with them.
 */
function rootNamespace(xml: string): string | undefined {
  const start = /<(?:([A-Za-z_][\w.-]*):)?Document\b([^>]*)>/.exec(xml);
  if (!start) return undefined;
  const [, prefix, attributes] = start;
  const declared = new RegExp(`\\sxmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*(["'])([^"']*)\\1`).exec(attributes);
  return declared?.[2];
}

function isNode(value: XmlValue): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The child element `name` (the first one of an array); an XmlFormatError when missing. */
export function child(node: XmlNode, name: string, where: string): XmlNode {
  const found = optionalChild(node, name);
  if (!found) throw new XmlFormatError(`${where}: <${name}> is missing`);
  return found;
}

export function optionalChild(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const value = node?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return isNode(first) ? first : undefined;
}

/** Every child element `name` (repeated elements are parsed as arrays). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter(isNode);
}

/** The text of the child `name`; an XmlFormatError when missing or empty. */
export function text(node: XmlNode, name: string, where: string): string {
  const found = optionalText(node, name);
  if (found === undefined || found === '') throw new XmlFormatError(`${where}: <${name}> is missing`);
  return found;
}

export function optionalText(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string' || typeof first === 'number') return String(first);
  if (isNode(first) && first['#text'] !== undefined) return String(first['#text']);
  return undefined;
}

/** The text at a path of child elements, e.g. `['Rsn', 'Cd']`. */
export function textAt(node: XmlNode | undefined, path: readonly string[]): string | undefined {
  let current = node;
  for (const name of path.slice(0, -1)) current = optionalChild(current, name);
  return optionalText(current, path[path.length - 1]);
}
