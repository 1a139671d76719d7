import { parseCamt054, type Notification } from './camt054.ts';
import { incomingVersionOf } from './messages.ts';
import { parsePain002, type StatusReport } from './pain002.ts';
import { parseDocument, XmlFormatError } from './xml.ts';

export type IncomingMessage = StatusReport | Notification;

/** Reads a file from the bank, recognised by its namespace; an XmlFormatError for anything else. */
export function readIncomingMessage(xml: string): IncomingMessage {
  const { namespace, root } = parseDocument(xml);
  const version = incomingVersionOf(namespace);
  if (version === undefined) throw new XmlFormatError(`namespace ${namespace} is not a pain.002 (.001.03, .001.10) or camt.054 (.001.02, .001.08)`);
  return version.startsWith('pain.002') ? parsePain002(version as StatusReport['version'], root) : parseCamt054(version as Notification['version'], root);
}
