import type { BatchStatus, ItemStatus } from './statuses.ts';

/**
 * Every state change of batches and items, by name: the one list the transition functions
 * (batch-transitions.ts, item-transitions.ts) obey and the README's lifecycle diagrams are checked
 * against. A new transition (a four-eyes approval, a return after success) is an entry here, a
 * function there, and the status in statuses.ts and the schema's CHECK if it is new.
 */
export interface Move<S extends string> {
  from: readonly S[];
  to: S;
  /** A state an item passes through within the same UPDATE (its audit trail shows both steps). */
  via?: S;
}

export const batchMoves = {
  /** Auth: the funds are reserved. */
  authorize: { from: ['INIT', 'INSUFFICIENT_BALANCE'], to: 'IN_PROGRESS' },
  /** Auth refused for funds: nothing reserved, items untouched. */
  refuseForBalance: { from: ['INIT'], to: 'INSUFFICIENT_BALANCE' },
  cancel: { from: ['INIT', 'INSUFFICIENT_BALANCE'], to: 'CANCELED' },
  /** Its chunks are durably in the queue (the table queue: in auth's transaction; RabbitMQ: every message confirmed). */
  publish: { from: ['IN_PROGRESS'], to: 'PUBLISHED_TO_QUEUE' },
  /** The last open item became final, at least one paid (a small batch can finish before it is published). */
  complete: { from: ['IN_PROGRESS', 'PUBLISHED_TO_QUEUE'], to: 'COMPLETED' },
  /** The last open item became final, none paid: every one was refunded. */
  fail: { from: ['IN_PROGRESS', 'PUBLISHED_TO_QUEUE'], to: 'FAIL' },
} as const satisfies Record<string, Move<BatchStatus>>;

export const itemMoves = {
  authorize: { from: ['INIT'], to: 'PROCESSING' },
  cancel: { from: ['INIT'], to: 'MASS_PAYOUT_CANCELED' },
  /** Before any rail hears of it; a QUEUED item handed over again keeps its state (its status is asked first). */
  handOver: { from: ['PROCESSING', 'QUEUED'], to: 'QUEUED' },
  /** An ambiguous rail answer: the item stays QUEUED, its next status check scheduled. */
  recheck: { from: ['QUEUED'], to: 'QUEUED' },
  pay: { from: ['QUEUED'], to: 'SUCCESS' },
  /** Rejected by its rail, amount + commission released to the available balance. */
  refund: { from: ['QUEUED'], via: 'FAILED', to: 'DEPOSIT_SUCCESS' },
  /** Rejected, and the release could not be posted: the money stays reserved, for an operator. */
  refundFailed: { from: ['QUEUED'], via: 'FAILED', to: 'DEPOSIT_FAIL' },
  /** A bank's return after payment: the money comes back, the item stays SUCCESS (the payout was made). */
  markReturned: { from: ['SUCCESS'], to: 'SUCCESS' },
} as const satisfies Record<string, Move<ItemStatus>>;

export type BatchMoveName = keyof typeof batchMoves;
export type ItemMoveName = keyof typeof itemMoves;

/** Each (from → to) step the moves allow, `via` split into its two steps: what the diagrams show. */
export function steps<S extends string>(moves: Record<string, Move<S>>): [S, S][] {
  const all = Object.values(moves).flatMap((move) =>
    move.from.flatMap((from): [S, S][] => (move.via ? [[from, move.via], [move.via, move.to]] : [[from, move.to]])),
  );
  return [...new Map(all.map((step) => [step.join('→'), step])).values()];
}
