/** Every limit of the system in one place, each named with its unit. Env overrides are read in config.ts. */
export const limits = {
  itemsPerBatchMax: 100_000,
  requestBodyBytesMax: 64 * 1024 * 1024,
  /** Bodies of everything but init are small; a tight limit keeps junk out early. */
  smallBodyBytesMax: 64 * 1024,
  itemExternalIdCharsMax: 64,
  externalIdCharsMax: 64,
  conversationIdCharsMax: 128,
  recipientNameCharsMax: 128,
  recipientInfoCharsMax: 64,
  descriptionCharsMax: 256,
  /** 10,000,000.00 in minor units: above it an item is INVALID. */
  itemAmountMinorMax: 1_000_000_000n,
  retrievePageSizeMax: 1000,
  /** A (merchant, randomKey) pair seen within this window is a replay. */
  replayWindowMs: 15 * 60 * 1000,
  /** How often each server forgets random keys older than the replay window (one indexed delete). */
  randomKeyPurgeIntervalMs: 60_000,
  requestTimeoutMs: 120_000,
  /** Rows per INSERT … SELECT FROM unnest(…) statement: bounds one statement's parameter payload. */
  insertChunkRows: 20_000,

  // The SDK (src/client) and the CLI.
  /** Attempts per SDK call, the first included; only network errors and 5xx are retried. */
  clientAttemptsMax: 3,
  /** Wait before the SDK's second attempt; doubles after (250 ms, 500 ms). */
  clientBackoffBaseMs: 250,
  /** Deadline of one SDK call, retries included: an init of 100,000 items takes a few seconds. */
  clientTimeoutMs: 60_000,
  /** The largest response the SDK reads: a retrieve page of 1,000 items is ≈ 0.5 MB. */
  clientResponseBytesMax: 16 * 1024 * 1024,
  /** How often `waitUntilFinal` (and `masspayout status --watch`) asks for the batch's state. */
  waitIntervalMs: 1_000,
  /** Up to this many items, the SDK's progress counts items by status by paging them (10 calls). */
  progressCountItemsMax: 10_000,
  /** How long `waitUntilFinal` waits by default before giving up. */
  waitTimeoutMs: 60 * 60 * 1000,
} as const;
