/** The ISO 20022 messages the bank rail writes and reads, each recognised by its namespace. */
export const painVersions = ['pain.001.001.09', 'pain.001.001.03'] as const;
export type PainVersion = (typeof painVersions)[number];

export const statusReportVersions = ['pain.002.001.10', 'pain.002.001.03'] as const;
export const notificationVersions = ['camt.054.001.08', 'camt.054.001.02'] as const;
export type StatusReportVersion = (typeof statusReportVersions)[number];
export type NotificationVersion = (typeof notificationVersions)[number];

export function namespaceOf(version: string): string {
  return `urn:iso:std:iso:20022:tech:xsd:${version}`;
}

/** The message a namespace names, if it is one we read. */
export function incomingVersionOf(namespace: string): StatusReportVersion | NotificationVersion | undefined {
  const version = namespace.replace(/^urn:iso:std:iso:20022:tech:xsd:/, '');
  return ([...statusReportVersions, ...notificationVersions] as string[]).includes(version) ? (version as StatusReportVersion | NotificationVersion) : undefined;
}
