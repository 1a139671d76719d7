import { isValidIBAN } from 'ibantools';
import { limits } from '../../limits.ts';
import { painVersions, type PainVersion } from './messages.ts';

/** Where the file rail's folders are: this machine's file system, or an SFTP server's. */
export type FileTransportConfig = { kind: 'local' } | { kind: 'sftp'; url: string; privateKeyFile: string };

export interface Iso20022Config {
  outboxDir: string;
  inboxDir: string;
  /** A file is cut this often (ms), or as soon as this many transactions wait. */
  fileIntervalMs: number;
  fileTxsMax: number;
  /** How often the inbox is read, in ms. */
  inboxPollMs: number;
  painVersion: PainVersion;
  debtor: { iban: string; name: string; bic?: string };
  transport: FileTransportConfig;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return value;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`MASSPAYOUT_BANK_RAIL=iso20022 needs ${name}`);
  return value;
}

/** The bank rail the engine pays IBANs through: MASSPAYOUT_BANK_RAIL, `sandbox` (default) or `iso20022`. */
export function bankRailFromEnv(env: NodeJS.ProcessEnv): 'sandbox' | 'iso20022' {
  const raw = env.MASSPAYOUT_BANK_RAIL || 'sandbox';
  if (raw !== 'sandbox' && raw !== 'iso20022') throw new Error(`MASSPAYOUT_BANK_RAIL must be sandbox or iso20022, got "${raw}"`);
  return raw;
}

/** MASSPAYOUT_ISO20022_*: read only when MASSPAYOUT_BANK_RAIL=iso20022 (undefined otherwise). */
export function iso20022ConfigFromEnv(env: NodeJS.ProcessEnv): Iso20022Config | undefined {
  if (bankRailFromEnv(env) !== 'iso20022') return undefined;
  const iban = required(env, 'MASSPAYOUT_ISO20022_DEBTOR_IBAN').replace(/\s+/g, '').toUpperCase();
  if (!isValidIBAN(iban)) throw new Error(`MASSPAYOUT_ISO20022_DEBTOR_IBAN is not a valid IBAN: "${iban}"`);
  const name = required(env, 'MASSPAYOUT_ISO20022_DEBTOR_NAME');
  const bic = env.MASSPAYOUT_ISO20022_DEBTOR_BIC || undefined;
  if (bic !== undefined && !/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) throw new Error(`MASSPAYOUT_ISO20022_DEBTOR_BIC is not a BIC: "${bic}"`);
  const version = env.MASSPAYOUT_ISO20022_PAIN_VERSION || 'pain.001.001.09';
  if (!(painVersions as readonly string[]).includes(version)) throw new Error(`MASSPAYOUT_ISO20022_PAIN_VERSION must be one of ${painVersions.join(', ')}, got "${version}"`);
  const sftpUrl = env.MASSPAYOUT_ISO20022_SFTP_URL || undefined;
  return {
    outboxDir: required(env, 'MASSPAYOUT_ISO20022_OUTBOX_DIR'),
    inboxDir: required(env, 'MASSPAYOUT_ISO20022_INBOX_DIR'),
    fileIntervalMs: intFromEnv(env, 'MASSPAYOUT_ISO20022_FILE_INTERVAL_MS', limits.bankFileIntervalMs, 100, 24 * 3600 * 1000),
    fileTxsMax: intFromEnv(env, 'MASSPAYOUT_ISO20022_FILE_TXS_MAX', limits.bankFileTxsMax, 1, limits.bankFileTxsMaxCeiling),
    inboxPollMs: intFromEnv(env, 'MASSPAYOUT_ISO20022_INBOX_POLL_MS', limits.bankInboxPollMs, 50, 3600 * 1000),
    painVersion: version as PainVersion,
    debtor: { iban, name, bic },
    transport: sftpUrl ? { kind: 'sftp', url: sftpUrl, privateKeyFile: required(env, 'MASSPAYOUT_ISO20022_SFTP_KEY_FILE') } : { kind: 'local' },
  };
}
