import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth, so a value read back from jsonb hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const genesisHash = '0'.repeat(64);

export interface HashedContent {
  chainId: bigint;
  seq: bigint;
  at: string;
  actor: string;
  action: string;
  entity: string;
  requestId: string | null;
  before: unknown;
  after: unknown;
}

/** hash = sha256(previous hash + canonical event): altering, removing or reordering any event breaks the chain. */
export function eventHash(prevHash: string, event: HashedContent): string {
  const content = canonicalJson({ ...event, chainId: event.chainId.toString(), seq: event.seq.toString() });
  return createHash('sha256').update(prevHash).update(content).digest('hex');
}
