/** Every limit of the system in one place, each named with its unit. Env overrides are read in config.ts. */
export const limits = {
  /** Items one init may carry: a marketplace's whole payout run, read and written as it arrives. */
  itemsPerBatchMax: 1_000_000,
  /** An init body: 1,000,000 items of ~500 bytes of JSON each. Streamed, so it costs time, not memory. */
  requestBodyBytesMax: 512 * 1024 * 1024,
  /** One item of an init body, as bytes of JSON: ~200 is usual, every field at its limit in \u escapes ~4,000. */
  initItemBytesMax: 64 * 1024,
  /** One top-level member of an init body other than its items (externalId, conversationId, …), as bytes of JSON. */
  initMemberBytesMax: 64 * 1024,
  /** Bodies of everything but init are small; a tight limit keeps junk out early. */
  smallBodyBytesMax: 64 * 1024,
  itemExternalIdCharsMax: 64,
  externalIdCharsMax: 64,
  conversationIdCharsMax: 128,
  /** `locale` as sent (tr, en, any case); longer is not a locale. */
  localeCharsMax: 8,
  /** A decimal amount sent as a string to the admin API ("100000.00"). */
  decimalInputCharsMax: 32,
  /** An operator's Idempotency-Key (deposits). */
  idempotencyKeyCharsMax: 128,
  /** The name of a merchant or a wallet member, as an operator registers it. */
  partyNameCharsMax: 128,
  recipientNameCharsMax: 128,
  recipientInfoCharsMax: 64,
  descriptionCharsMax: 256,
  /** 10,000,000.00 in minor units: above it an item is INVALID. */
  itemAmountMinorMax: 1_000_000_000n,
  retrievePageSizeMax: 1000,
  /** The highest page index retrieve accepts (0-based): a billion items, beyond any batch. */
  retrievePageIndexMax: 1_000_000,
  /** A (merchant, randomKey) pair seen within this window is a replay. */
  replayWindowMs: 15 * 60 * 1000,
  /** A signer (merchant, unsealed secret) kept in memory is read from its row again after this long. */
  signerCacheMs: 60_000,
  /** Signers kept in memory per process; past it the oldest is forgotten. */
  signersCachedMax: 10_000,
  /** Reads of a merchant's row one request may make when it finds its copy out of date (its row changing under it). */
  signerReadsPerRequestMax: 3,
  /** How often each server forgets random keys older than the replay window (one indexed delete). */
  randomKeyPurgeIntervalMs: 60_000,
  /** A whole request (headers and body) must arrive within this: a 512 MiB init needs ≥ 4.5 MB/s. */
  requestTimeoutMs: 120_000,
  /**
   * Items per COPY statement of an init (each sent in pieces of 1,000 rows, made as the driver asks),
   * and those a streamed init holds in memory before it opens its transaction; its first COPY takes
   * those and as many more, read as they are written.
   */
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
  /** A streamed init's body is written in pieces of at least this many bytes of JSON (~300 items), or one run of items when that is longer. */
  clientStreamChunkBytes: 64 * 1024,
  /** How often `waitUntilFinal` (and `masspayout status --watch`) asks for the batch's state. */
  waitIntervalMs: 1_000,
  /** How long `waitUntilFinal` waits by default before giving up. */
  waitTimeoutMs: 60 * 60 * 1000,

  // Processing: workers, claims, rails.
  /** Consecutive items (by seq) per work chunk, cut at auth: one claim, hand-over, settlement and ledger post each. */
  claimChunkItems: 1000,
  /** The largest chunk MASSPAYOUT_CHUNK_ITEMS may ask for: its items are one claim and one settlement. */
  claimChunkItemsMax: 10_000,
  /**
   * How long a chunk's lease is a worker's alone. Longer than the worst chunk: 1,000 items at
   * railCallsInFlightMax (200) in flight, every call timing out (5 s), is 5 waves × 5 s = 25 s.
   * An expired lease only costs a second status check, never a second payment.
   */
  leaseDurationMs: 30_000,
  /** MASSPAYOUT_LEASE_MS: below 1 s a lease would expire under an ordinary chunk; above 1 h a crashed worker's items wait too long. */
  leaseDurationMsMin: 1_000,
  leaseDurationMsMax: 3_600_000,
  /** How often each worker process's reaper frees expired leases. */
  reaperIntervalMs: 5_000,
  /** Every rail call (send or status) gives up after this; the outcome is then ambiguous. */
  railTimeoutMs: 5_000,
  /** Rail calls in flight per chunk and rail: with 50 ms of bank latency, 200 in flight is ≈ 4,000 calls/s per loop. */
  railCallsInFlightMax: 200,
  /** Calls a rail sends to its backend in one statement (the sandbox bank and the wallet lookup). */
  railCallsPerStatementMax: 1000,
  /** An ambiguous outcome is checked again after 250 ms, then 500 ms, 1 s, … at most 10 s apart. */
  railRetryBaseMs: 250,
  railRetryMaxMs: 10_000,
  /** Attempts after which an unresolved item is reported to the operator (it keeps being retried). */
  railAttemptsAlert: 20,
  /** Idle wait of a worker loop that found nothing to claim. */
  workerPollMs: 200,
  /** Failures of one chunk (its processing threw) after which it is parked for an operator, not retried. */
  chunkFailuresMax: 5,
  /** The last error a parked chunk keeps, in characters. */
  chunkErrorCharsMax: 1000,
  /** Wait after a chunk failed unexpectedly, so a broken database is not hammered. */
  workerErrorBackoffMs: 1_000,
  /**
   * Worker loops per process (each processes one chunk at a time). Four keep a 2-core machine busy:
   * while one loop waits on the database or the rails, the others hash and post (measured on 100,000
   * items, one worker process: 8,300 items/s with 2 loops, 10,600 with 4, 10,100 with 8).
   */
  workerLoops: 4,
  /** MASSPAYOUT_WORKER_CONCURRENCY's ceiling: loops beyond the database pool only wait for it. */
  workerLoopsMax: 64,
  /** Due chunks a table-source claim passes over (finished at once: nothing to do now) before it reports none. */
  claimEmptyChunksMax: 100,
  /** The sandbox bank: a transfer whose first answer was lost (IBAN ending 98) is visible as paid after this. */
  sandboxSettleMs: 2_000,
  /** MASSPAYOUT_SANDBOX_LATENCY_MS and _SETTLE_MS at most: a minute per call is already a broken bank. */
  sandboxLatencyMsMax: 60_000,
  sandboxSettleMsMax: 60_000,
  /** MASSPAYOUT_SANDBOX_FAULT_RATE at most: 1 would never pay anything; 0.9 lets every payout through after a few attempts. */
  sandboxFaultRateMax: 0.9,

  // The RabbitMQ transport (QUEUE_URL): outbox, relay, consumers.
  /** Outbox rows one relay round claims and publishes (a 100,000-item batch is 100 rows). */
  relayRowsPerRound: 500,
  /** How long a relay's claim on outbox rows holds; longer than relayConfirmTimeoutMs. */
  relayLeaseMs: 30_000,
  /** How long a relay waits for the broker's publisher confirms before it gives the rows back. */
  relayConfirmTimeoutMs: 10_000,
  /** Idle wait of a relay that found nothing to publish. */
  relayPollMs: 200,
  /** How often a relay looks for batches whose rows are all published but that are still IN_PROGRESS. */
  relaySweepIntervalMs: 5_000,
  /** Deliveries of one message before the quorum queue dead-letters it (x-delivery-limit). */
  queueDeliveriesMax: 5,
  /** Unacknowledged messages per worker loop (prefetch = loops × this). */
  queuePrefetchMessagesPerLoop: 2,
  /** RabbitMQ mode: a chunk no message brought is taken from the table this long after its auth. */
  queueSweepAfterMs: 60_000,
  queueSweepAfterMsMin: 1_000,
  queueSweepAfterMsMax: 86_400_000,
  /** Reconnect backoff: 200 ms, doubling, at most 5 s apart, for ever once connected. */
  queueReconnectInitialMs: 200,
  queueReconnectMaxMs: 5_000,
  /** One attempt to open the broker connection (TCP and AMQP handshake) gives up after this. */
  queueConnectTimeoutMs: 10_000,
  /** Failed attempts at start-up before the process gives up (≈ 6 s with the backoff above). */
  queueConnectRetriesInitial: 5,
  /** A chunk message is ~120 bytes of JSON; anything much larger is not ours. */
  queueMessageBytesMax: 1024,

  // Operator endpoints.
  /** Rows one page of /admin/v1/audit or the sandbox bank's transfers returns at most. */
  adminPageRowsMax: 1000,

  // The official clients' habits.
  /** Items per page of a retrieve that names no size (a Java caller leaving page and size null). */
  retrievePageSizeDefault: 100,
  /** Characters of an INVALID item's amount kept as it was sent (items.amount_sent's CHECK matches). */
  amountSentCharsMax: 64,

  // The ISO 20022 file rail (MASSPAYOUT_BANK_RAIL=iso20022) and the bank simulator.
  /** A pain.001 is cut this often (MASSPAYOUT_ISO20022_FILE_INTERVAL_MS) … */
  bankFileIntervalMs: 10_000,
  /** … or as soon as this many transactions wait (MASSPAYOUT_ISO20022_FILE_TXS_MAX). */
  bankFileTxsMax: 10_000,
  /** The most a setting may ask for: a 100,000-transaction pain.001 is ≈ 60 MB of XML. */
  bankFileTxsMaxCeiling: 100_000,
  /** How often the inbox is listed for the bank's reports (MASSPAYOUT_ISO20022_INBOX_POLL_MS). */
  bankInboxPollMs: 500,
  /** Files read from the inbox per round; the rest wait for the next one. */
  bankInboxFilesPerRound: 50,
  /** An incoming file larger than this is rejected unread: a camt.054 of 100,000 bookings is ≈ 40 MB. */
  bankInboxFileBytesMax: 128 * 1024 * 1024,
  /** Returns posted per transaction (each a ledger transfer and an audit event). */
  bankReturnsPerRound: 1_000,
  /**
   * The first status check of an item waiting for the bank, and the shortest gap between two: only a
   * fallback, because a report that makes a transaction final settles its item as soon as it is
   * applied; a check finds an item whose settlement was lost (a process that died between the
   * report's commit and the settlement). On the engine's backoff (250 ms, 500 ms, …), 100,000 items
   * waiting ~2 s for their file's report were re-checked 3–4 times each; at a fixed 10 s, a
   * 100,000-item run whose reports queued behind the settlements checked each item 2.7 times (a
   * rail_check_scheduled event and two items updates per check), and the checks slowed the
   * settlements they waited for.
   */
  bankItemCheckMs: 30_000,
  /** The longest gap between two status checks of a waiting item: the gap doubles with the time its transaction has waited, up to this. */
  bankItemCheckMaxMs: 600_000,
  /** Items settled per transaction when a report makes their transactions final. */
  bankSettleItemsPerTx: 1_000,
  /**
   * Those transactions in flight at once: while one holds the batch's locks, the next finds its
   * items and builds its postings, so a report's 10,000 items keep both the process and the
   * database busy instead of taking turns between them.
   */
  bankSettleTxsInFlight: 2,
  /** Items of applied reports still to settle past which the inbox is not read again until they are (start-file-rail.ts). */
  bankSettleBacklogItemsMax: 50_000,
  /** One SFTP connection attempt (TCP and SSH handshake) gives up after this. */
  sftpConnectTimeoutMs: 10_000,
  /** The bank simulator: how long a transaction to an IBAN ending 98 stays pending, and 97 stays paid before its return. */
  bankSimulatorPendingMs: 2_000,
  bankSimulatorReturnAfterMs: 3_000,
  /** Rows one page of the operator's file and exception lists returns at most. */
  bankFilesPageRowsMax: 1000,

  // Outcome webhooks (src/webhooks/).
  /** Endpoints one merchant may register: each change is written once per endpoint, in its transaction. */
  webhookEndpointsPerMerchantMax: 16,
  /** Items one mass_payout.items.settled carries at most (a chunk's settlement is 1,000 by default). */
  webhookItemsPerEventMax: 1_000,
  /** Delivery rows per INSERT when a transaction writes its deliveries (6 parameters each, under PostgreSQL's 65,535). */
  webhookDeliveriesPerInsertMax: 1_000,
  /** Default retry schedule, the wait before each attempt: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (≈ 3 days in all). */
  webhookRetryScheduleMs: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 86_400_000] as readonly number[],
  /** MASSPAYOUT_WEBHOOK_RETRY_MS: at most this many attempts, each wait at most a week. */
  webhookRetryAttemptsMax: 30,
  webhookRetryDelayMsMax: 7 * 86_400_000,
  /** One attempt (connect, send, response head and body) gives up after this. */
  webhookTimeoutMs: 10_000,
  /** Bytes of a receiver's response read (and kept with the attempt); the rest is never read. */
  webhookResponseBytesMax: 1024,
  /** A Retry-After (429, 503) is honoured up to this; a longer one waits this long. */
  webhookRetryAfterMsMax: 86_400_000,
  /** Attempts in flight to one endpoint at once, across every process: a slow receiver is not flooded. */
  webhookAttemptsInFlightPerEndpointMax: 4,
  /** Attempts in flight in one process; a hanging receiver holds one of them until its timeout. */
  webhookAttemptsInFlightPerProcessMax: 32,
  /** A claimed delivery is the claimer's alone this long: longer than an attempt and its recording. */
  webhookLeaseMs: 60_000,
  /** Idle wait of the delivery loop that found nothing due. */
  webhookPollMs: 200,
  /** Failed attempts in a row, over at least webhookFailingDisableAfterMs, after which an endpoint is disabled. */
  webhookFailuresToDisable: 100,
  webhookFailingDisableAfterMs: 86_400_000,
  /** An endpoint's last success is written again only when older than this: a busy endpoint's row is not rewritten by every delivery. */
  webhookLastSuccessRefreshMs: 1_000,
  /** After a rotation the previous secret still signs this long, so receivers can switch without losing events. */
  webhookRotationOverlapMs: 86_400_000,
  /** The URL of an endpoint, in characters (the database's CHECK matches). */
  webhookUrlCharsMax: 2048,

  // Reliability: the database going away, hostile clients, the embedded data dir.
  /** Opening one PostgreSQL connection gives up after this (a server that is down refuses at once). */
  databaseConnectTimeoutMs: 5_000,
  /**
   * Connections (per process, at most the pool's size) for the statements that commit without
   * waiting for their flush: the replay keys, ~0.1 ms each, so 4 carry well over 10,000 requests/s.
   */
  databaseUnflushedConnectionsMax: 4,
  /** The server cancels any statement running longer than this (PostgreSQL's statement_timeout). */
  databaseStatementTimeoutMs: 120_000,
  /** Retry-After of a 503 while the database (or the broker) is unreachable. */
  unavailableRetryAfterSeconds: 5,
  /** /readyz answers "unavailable" when the database has not answered `select 1` within this. */
  readinessCheckTimeoutMs: 2_000,
  /** Nesting of a JSON body: an init is 3 levels deep; recursion (the request fingerprint) broke at ~4,000. */
  jsonDepthLevelsMax: 32,
  /** A body up to this is read without asking the body budget (every admin and small merchant body). */
  bodyBytesUnbudgetedMax: 64 * 1024,
  /** Bytes of larger bodies held at once across all connections, before their signatures are checked. */
  bodyBytesInFlightMax: 96 * 1024 * 1024,
  /**
   * What a streamed init takes of that budget on PostgreSQL, whatever its length: it holds no body,
   * but its itemExternalIds (~70 bytes an item, ~70 MB at 1,000,000), a transaction and a pooled
   * connection until its signature is checked. Three at a time per process; the next waits as a body does.
   */
  streamedInitBudgetBytes: 32 * 1024 * 1024,
  /** How long a large body waits for room in that budget before a 503 (its bytes unread meanwhile). */
  bodyBudgetWaitMs: 10_000,
  /** Open HTTP connections per process; past it a new connection is closed at once. */
  connectionsMax: 1_000,
  /** The request line and headers must arrive within this (slow-header clients). */
  headersTimeoutMs: 10_000,
  /** MASSPAYOUT_REQUEST_TIMEOUT_MS and MASSPAYOUT_HEADERS_TIMEOUT_MS: at least a second, at most an hour. */
  edgeTimeoutMsMin: 1_000,
  edgeTimeoutMsMax: 3_600_000,
  /** How often the HTTP server looks for requests past those two timeouts (Node's default is 30 s). */
  connectionsCheckIntervalMs: 1_000,
  /** Signed requests per merchant and second, on average (per process), and at once after a pause. */
  merchantRequestsPerSecond: 100,
  merchantRequestsBurstMax: 200,
  /** The rate limiter forgets idle merchants' buckets once it holds more than this many. */
  rateLimitBucketsMax: 10_000,
  /** One deposit at most: 100,000,000,000.00 in minor units. */
  depositAmountMinorMax: 10_000_000_000_000n,
  /** A merchant's available balance in one currency at most, after a deposit: 10,000,000,000,000.00. */
  balanceMinorMax: 1_000_000_000_000_000n,
  /** A merchant's fixed commission per paid item at most: 10,000,000.00, as an item's amount. */
  commissionFixedMinorMax: 1_000_000_000n,
  /**
   * The embedded database (PGlite) has no checkpointer process: without a CHECKPOINT its WAL grew
   * without bound (497 MB of an 856 MB data dir after one 100,000-item batch). Every this often it
   * looks at the WAL written since the last checkpoint and checkpoints past embeddedCheckpointWalBytes.
   */
  embeddedCheckpointCheckMs: 5_000,
  embeddedCheckpointWalBytes: 32 * 1024 * 1024,
  /** How often a service started by npm checks that npm is still there. */
  parentCheckIntervalMs: 1_000,

  // The console: users, sessions, uploads and pages.
  /** A new console password's length, in characters (scrypt hashes any length; the cap bounds its work). */
  consolePasswordCharsMin: 12,
  consolePasswordCharsMax: 256,
  /** Failed sign-ins in a row (wrong password or code) before a user is locked out… */
  consoleSignInFailuresMax: 5,
  /** …for this long. */
  consoleLockoutMs: 15 * 60_000,
  /** A console session ends this long after sign-in, whatever happens in between. */
  consoleSessionMs: 8 * 60 * 60_000,
  /** A CSV upload's size: 100,000 lines of ~120 bytes, with room. */
  consoleUploadBytesMax: 32 * 1024 * 1024,
  /** Rows on one page of a console list (batches, items, audit events). */
  consolePageRowsMax: 100,
  /** How often the batch page's progress bar asks for the batch's counts. */
  consoleProgressPollMs: 1_000,
} as const;
