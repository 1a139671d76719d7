import type { Tx } from '../db/port.ts';
import type { Step } from '../db/steps.ts';
import { joinPrepared, lockChainHead, lockChainHeadStep, prepareEvents, readChainHead, sealPrepared, type AuditContext, type AuditInput, type ChainHead, type PreparedEvents } from './append.ts';
import { sealUniform, type UniformEvents } from './append-uniform.ts';
import { insertSealed, type SealedEvents } from './seal.ts';

/**
 * A change other systems may hear of (outbound webhooks): recorded by the transition that made it,
 * in the transaction that made it, so it exists exactly when the change does.
 */
export interface OutboundEvent {
  /** `batch.status`, `item.status` or `item.returned`. */
  type: string;
  merchantId: bigint;
  batchId: string;
  /** What changed: before/after states, and the items' reference codes for item events. */
  data: Record<string, unknown>;
}

/** Writes a transaction's outbound events (e.g. into a delivery outbox), before its audit append. */
export type OutboundWriter = (tx: Tx, events: readonly OutboundEvent[]) => Promise<void>;

type Group = PreparedEvents | UniformEvents;

/**
 * The events of one transaction, collected as it goes and written once, as its last step: outbound
 * events first, then the audit events under ONE lock of the merchant's audit head. So every writer
 * locks its domain rows and accounts first and the audit head last (the lock order, README
 * "Architecture"), and a transaction's audit costs one statement per group plus two.
 *
 * One-off events are prepared (canonical text, columns) when recorded, before any lock; uniform
 * ones (one change of many rows) are hashed at write time. A transaction may name one last domain
 * statement (`last`): it runs while the events are hashed against the head as read just before it,
 * and the head is locked only after it, hashed again in the rare case another writer moved it in
 * between. That keeps auth's 100,000-item UPDATE overlapped with the hashing of its 100,000 events.
 */
export class TransactionEvents {
  readonly context: AuditContext;
  /** When the transaction's events happened: one moment for all of them. */
  readonly at = new Date().toISOString();
  private readonly groups: Group[] = [];
  private readonly outboundEvents: OutboundEvent[] = [];
  private last?: () => Promise<void>;
  private written = false;

  constructor(
    context: AuditContext,
    private readonly writeOutbound?: OutboundWriter,
  ) {
    this.context = context;
  }

  /** One-off audit events, each its own entity and before/after. */
  audit(events: readonly AuditInput[]): void {
    this.open();
    if (events.length === 0) return;
    const prepared = prepareEvents(this.context, events, this.at);
    // Consecutive one-off events share one INSERT.
    const previous = this.groups.at(-1);
    if (previous && !('entities' in previous)) this.groups[this.groups.length - 1] = joinPrepared(previous, prepared);
    else this.groups.push(prepared);
  }

  /** One change applied to many entities (hashed in bulk). */
  auditUniform(events: UniformEvents): void {
    this.open();
    if (events.entities.length > 0) this.groups.push(events);
  }

  /** An event for the world outside (webhooks), written in this transaction. */
  emit(event: OutboundEvent): void {
    this.open();
    this.outboundEvents.push(event);
  }

  get outbound(): readonly OutboundEvent[] {
    return this.outboundEvents;
  }

  /** The transaction's last domain statement, run by write() while the events are hashed. One at most. */
  runLast(statement: () => Promise<void>): void {
    this.open();
    if (this.last) throw new Error('audit: a transaction has one last statement');
    this.last = statement;
  }

  /** The step that locks this transaction's audit head, for a caller that takes it with its other locks (write's `lockedHead`). */
  headStep(): Step<ChainHead> {
    return lockChainHeadStep(this.context.chainId);
  }

  /**
   * Writes everything collected, once; the caller commits right after. `lockedHead` is the head as
   * the caller's headStep locked it, as the last of its locks: then the outbound writer must have
   * nothing left to write here (no statement may follow the head's lock but the events' own).
   */
  async write(tx: Tx, lockedHead?: ChainHead): Promise<void> {
    this.open();
    this.written = true;
    if (this.outboundEvents.length > 0 && this.writeOutbound) await this.writeOutbound(tx, this.outboundEvents);
    const { chainId } = this.context;
    if (lockedHead) {
      if (this.last) throw new Error('audit: a transaction with a last statement locks its head itself');
      if (this.groups.length > 0) await insertSealed(tx, chainId, this.seal(lockedHead));
      return;
    }
    if (this.groups.length === 0) {
      await this.last?.();
      return;
    }
    if (!this.last) {
      await insertSealed(tx, chainId, this.seal(await lockChainHead(tx, chainId)));
      return;
    }
    const guess = await readChainHead(tx, chainId);
    const running = this.last();
    // Handled below; this only keeps a rejection that lands while hashing from counting as unhandled.
    running.catch(() => undefined);
    let sealed = this.seal(guess);
    await running;
    const head = await lockChainHead(tx, chainId);
    if (head.seq !== guess.seq || head.hash !== guess.hash) sealed = this.seal(head);
    await insertSealed(tx, chainId, sealed);
  }

  private seal(head: ChainHead): SealedEvents[] {
    const sealed: SealedEvents[] = [];
    let at = head;
    for (const group of this.groups) {
      const next = 'entities' in group ? sealUniform(this.context, at, group, this.at) : sealPrepared(at, group);
      sealed.push(next);
      at = next.head;
    }
    return sealed;
  }

  private open(): void {
    if (this.written) throw new Error('audit: the events of this transaction were written already');
  }
}

/** Appends one-off events to a chain in the caller's transaction, as its last step. */
export async function appendAudit(tx: Tx, context: AuditContext, events: readonly AuditInput[]): Promise<void> {
  const collected = new TransactionEvents(context);
  collected.audit(events);
  await collected.write(tx);
}
