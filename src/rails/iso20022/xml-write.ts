import type { XmlNode, XmlValue } from './xml-read.ts';

/**
 * Writes an element from a plain object whose key order is the schema's element order: `@_name`
 * members are attributes, `#text` the text, undefined members are left out, an array is the element
 * repeated, an element with nothing in it is written empty (`<Name/>`). Two spaces of indent per
 * level, one element per line. The same object always gives the same bytes.
 */
export function writeXml(name: string, value: XmlNode): string {
  const out = { xml: '' };
  element(out, name, value, '');
  return out.xml;
}

function element(out: { xml: string }, name: string, value: XmlValue, indent: string): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const each of value) element(out, name, each, indent);
    return;
  }
  if (typeof value !== 'object') {
    const text = escapeText(String(value));
    out.xml += text === '' ? `${indent}<${name}/>\n` : `${indent}<${name}>${text}</${name}>\n`;
    return;
  }
  let attributes = '';
  let text = '';
  const children: string[] = [];
  for (const key of Object.keys(value)) {
    const member = value[key];
    if (member === undefined) continue;
    if (key.startsWith('@_')) attributes += ` ${key.slice(2)}="${escapeAttribute(String(member))}"`;
    else if (key === '#text') text = escapeText(String(member));
    else children.push(key);
  }
  if (children.length === 0) {
    out.xml += text === '' ? `${indent}<${name}${attributes}/>\n` : `${indent}<${name}${attributes}>${text}</${name}>\n`;
    return;
  }
  out.xml += `${indent}<${name}${attributes}>\n`;
  if (text !== '') out.xml += `${indent}  ${text}\n`;
  const inner = `${indent}  `;
  for (const key of children) element(out, key, value[key], inner);
  out.xml += `${indent}</${name}>\n`;
}

const textEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeText(text: string): string {
  return /[&<>]/.test(text) ? text.replace(/[&<>]/g, (c) => textEscapes[c]) : text;
}

function escapeAttribute(text: string): string {
  return /[&<>"]/.test(text) ? text.replace(/[&<>"]/g, (c) => textEscapes[c]) : text;
}
