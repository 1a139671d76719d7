import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import { type Signer, signerByApiKey } from './merchants.ts';
import type { SecretBox } from './secret-box.ts';

/**
 * Signers by API key, in this process, so that a signed request neither reads the merchant's row
 * nor unseals its secret (AES-256-GCM) before its signature can be checked. What keeps it safe is
 * not this cache but the statement that spends the random key (replay-keys.ts): it inserts only
 * while the merchant's row still has the version the signer was read at. A rotated secret, a
 * changed status vocabulary or approval rule — any UPDATE of the row, by any process — fails that
 * test on the very next request, which then reads the row afresh and checks its signature again.
 *
 * Bounded (limits.signersCachedMax; the oldest goes first) and aged (limits.signerCacheMs): an
 * entry is read again at least that often, which also keeps a version from ever meeting an equal
 * one 2^32 transactions later (xmin wraps around). Unknown API keys are not kept: a stranger
 * cannot fill it, and a merchant created a moment ago signs at once.
 */
export class SignerCache {
  private readonly entries = new Map<string, { signer: Signer; readAt: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  /** The signer of `apiKey`, from memory when read recently (`fromMemory`), else from its row. */
  async get(apiKey: string): Promise<{ signer: Signer; fromMemory: boolean } | undefined> {
    const kept = this.entries.get(apiKey);
    if (kept && this.now() - kept.readAt < limits.signerCacheMs) return { signer: kept.signer, fromMemory: true };
    const signer = await this.reload(apiKey);
    return signer ? { signer, fromMemory: false } : undefined;
  }

  /** Reads the signer from its row (the copy in memory was found out of date), keeping it. */
  async reload(apiKey: string): Promise<Signer | undefined> {
    this.entries.delete(apiKey);
    const signer = await signerByApiKey(this.db, this.box, apiKey);
    if (!signer) return undefined;
    if (this.entries.size >= limits.signersCachedMax) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(apiKey, { signer, readAt: this.now() });
    return signer;
  }
}
