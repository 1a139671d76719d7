import { readXml, XmlFormatError, type XmlNode, type XmlValue } from './xml-read.ts';
import { writeXml } from './xml-write.ts';

export { XmlFormatError, type XmlNode, type XmlValue };

/**
 * The XML layer of the ISO 20022 codec, the project's own (xml-read.ts, xml-write.ts): documents are
 * built from plain objects whose key order is the schema's element order (attributes prefixed `@_`,
 * text under `#text`), and read into the same shape with every element kept as an array where the
 * schema allows several. Its own because a report is read once, whole, checked as it is parsed: on a
 * general parser that took a validating pass and a parsing pass, ~30 % of a worker's time.
 */

/** A document with its declaration and root namespace. Undefined members are left out. */
export function buildDocument(namespace: string, body: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${writeXml('Document', { '@_xmlns': namespace, ...body })}`;
}

/** Elements that may repeat in the reports we read: always parsed as arrays, even when there is one. */
const repeated = new Set(['OrgnlPmtInfAndSts', 'TxInfAndSts', 'StsRsnInf', 'Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'PmtInf', 'CdtTrfTxInf']);

/**
 * Parses a whole document (`<Document>`, prefixed or not, as some banks write it); anything not
 * well-formed (a truncated file) is an XmlFormatError.
 */
export function parseDocument(xml: string): { namespace: string; root: XmlNode } {
  const document = readXml(xml, repeated);
  if (document.rootName !== 'Document') throw new XmlFormatError(`the root element is <${document.rootName}>, not <Document>`);
  if (document.namespace === undefined) throw new XmlFormatError('the <Document> element has no namespace');
  return { namespace: document.namespace, root: document.root };
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
