import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../src/audit/verify.ts';
import { SecretBox } from '../src/merchants/secret-box.ts';
import { merchantById, setApprovalPolicy } from '../src/merchants/merchants.ts';
import { decideBatch, needsChecker, requestApproval } from '../src/payouts/approvals.ts';
import { initFromUpload } from '../src/payouts/init-from-upload.ts';
import { requestFingerprint } from '../src/payouts/fingerprint.ts';
import { sourceLinesOf } from '../src/payouts/source-lines.ts';
import { validateItems } from '../src/payouts/validate-item.ts';
import { tableQueue } from '../src/queue/table-queue.ts';
import { hashPassword, verifyPassword } from '../src/users/passwords.ts';
import { signIn } from '../src/users/sign-in.ts';
import { totpCode } from '../src/users/totp.ts';
import { createUser, type NewUser } from '../src/users/users.ts';
import { ibanItem } from './support/items.ts';
import { onAuditTables, recordingDb } from './support/recording-db.ts';
import { expectBooksBalanced, startTestService, type TestMerchant, type TestService } from './support/service.ts';

const box = new SecretBox(randomBytes(32));
let service: TestService;
let merchant: TestMerchant;
let maker: NewUser;
let checker: NewUser;
beforeAll(async () => {
  service = await startTestService({}, { box });
  merchant = await service.createMerchant();
  await service.deposit(merchant, '1000');
  const id = BigInt(merchant.merchantId);
  maker = (await service.db.transaction((tx) => createUser(tx, box, { merchantId: id, email: 'Maker@Example.com', role: 'maker', password: 'maker-password-long' }))) as NewUser;
  checker = (await service.db.transaction((tx) => createUser(tx, box, { merchantId: id, email: 'checker@example.com', role: 'checker', password: 'checker-password-long' }))) as NewUser;
}, 180_000);
afterAll(async () => {
  await service?.close();
});

async function init(externalId: string) {
  const response = await service.signed(merchant, 'POST', '/v1/mass/payout/init', { externalId, items: [ibanItem(1, '10.00'), ibanItem(2, '20.00')] });
  expect(response.status, response.text).toBe(200);
  return response.json.requestId as string;
}
const auth = (requestId: string) => service.signed(merchant, 'POST', '/v1/mass/payout/auth', { requestId }, { query: '?locale=en' });
const statusOf = async (requestId: string) => (await service.db.query<{ status: string }>('select status from batches where id = $1', [requestId])).rows[0].status;

describe('passwords', () => {
  it('are scrypt hashes with their parameters and a salt of their own, verified in constant time', async () => {
    const one = await hashPassword('correct horse battery');
    const two = await hashPassword('correct horse battery');
    expect(one).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(one).not.toBe(two);
    expect(await verifyPassword('correct horse battery', one)).toBe(true);
    expect(await verifyPassword('correct horse batterY', one)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
  });
});

describe('sign-in', () => {
  it('needs email, password and a fresh TOTP code; a code is good once', async () => {
    expect(maker.email).toBe('maker@example.com');
    const code = await totpCode(maker.totpSecret);
    expect(await signIn(service.db, box, { email: 'MAKER@example.com', password: 'maker-password-long', code })).toMatchObject({ ok: true, user: { role: 'maker' } });
    expect(await signIn(service.db, box, { email: 'maker@example.com', password: 'maker-password-long', code })).toEqual({ ok: false, reason: 'REFUSED' });
    expect(await signIn(service.db, box, { email: 'nobody@example.com', password: 'maker-password-long', code })).toEqual({ ok: false, reason: 'REFUSED' });
  });

  it('locks a user out after five failures in a row, even with the right credentials then', async () => {
    const viewer = (await service.db.transaction((tx) => createUser(tx, box, { merchantId: BigInt(merchant.merchantId), email: 'viewer@example.com', role: 'viewer', password: 'viewer-password-long' }))) as NewUser;
    for (let i = 0; i < 4; i++) expect(await signIn(service.db, box, { email: viewer.email, password: 'wrong-password', code: '123456' })).toEqual({ ok: false, reason: 'REFUSED' });
    expect(await signIn(service.db, box, { email: viewer.email, password: 'wrong-password', code: '123456' })).toEqual({ ok: false, reason: 'LOCKED' });
    const right = { email: viewer.email, password: 'viewer-password-long', code: await totpCode(viewer.totpSecret) };
    expect(await signIn(service.db, box, right)).toEqual({ ok: false, reason: 'LOCKED' });
    // Once the lock-out is over, the right credentials work again.
    await service.db.query(`update console_users set locked_until = now() - interval '1 second' where email = $1`, [viewer.email]);
    expect(await signIn(service.db, box, right)).toMatchObject({ ok: true });
  });
});

describe('four-eyes approval', () => {
  it('needs a checker above the threshold; none set means every console batch', () => {
    expect(needsChecker({ thresholdMinor: null, apiBatchesNeedApproval: false }, 1n)).toBe(true);
    expect(needsChecker({ thresholdMinor: 10000n, apiBatchesNeedApproval: false }, 10000n)).toBe(false);
    expect(needsChecker({ thresholdMinor: 10000n, apiBatchesNeedApproval: false }, 10001n)).toBe(true);
  });

  it('makes the API auth of a merchant that asks for it answer 7201, the batch INIT, until a checker approves', async () => {
    const id = BigInt(merchant.merchantId);
    await service.db.transaction((tx) => setApprovalPolicy(tx, id, { thresholdMinor: null, apiBatchesNeedApproval: true }));
    try {
      const requestId = await init(`api-approval-${Date.now()}`);
      for (let i = 0; i < 2; i++) {
        const refused = await auth(requestId);
        expect(refused.status).toBe(409);
        expect(refused.json).toMatchObject({ status: 'failure', errorCode: '7201', errorMessage: "The mass payout is waiting for a checker's approval" });
      }
      expect(await statusOf(requestId)).toBe('INIT');
      const queue = tableQueue(1000);
      const decide = (decision: 'APPROVED' | 'REJECTED', who = checker) =>
        decideBatch(service.db, queue, { merchantId: id, batchId: requestId, checkerId: who.id, actor: `user:${who.email}`, decision });
      expect(await decide('APPROVED')).toEqual({ ok: true });
      expect(await statusOf(requestId)).toBe('PUBLISHED_TO_QUEUE');
      expect(await decide('REJECTED')).toEqual({ ok: false, code: 'NOT_AWAITING_APPROVAL' });
      // Approved: auth is now a safe retry of a done auth.
      expect((await auth(requestId)).json.status).toBe('success');
      const events = await service.db.query<{ actor: string; action: string }>(`select actor, action from audit_events where request_id = $1 and entity like 'batch:%' order by id`, [requestId]);
      expect(events.rows).toEqual([
        { actor: `merchant:${merchant.apiKey}`, action: 'batch.created' },
        { actor: `merchant:${merchant.apiKey}`, action: 'batch.approval_requested' },
        // IN_PROGRESS, then PUBLISHED_TO_QUEUE (the table queue hands it over in the same transaction).
        { actor: 'user:checker@example.com', action: 'batch.status' },
        { actor: 'user:checker@example.com', action: 'batch.status' },
        { actor: 'user:checker@example.com', action: 'batch.approved' },
      ]);
    } finally {
      await service.db.transaction((tx) => setApprovalPolicy(tx, id, { thresholdMinor: null, apiBatchesNeedApproval: false }));
    }
  });

  it('holds a console batch against API auth, refuses its submitter, and a rejection cancels it', async () => {
    const id = BigInt(merchant.merchantId);
    const requestId = await init(`console-${Date.now()}`);
    await service.db.transaction((tx) => requestApproval(tx, { merchantId: id, batchId: requestId, submittedBy: maker.id, actor: `user:${maker.email}` }));
    expect((await auth(requestId)).json.errorCode).toBe('7201');
    const queue = tableQueue(1000);
    const decide = (decision: 'APPROVED' | 'REJECTED', who: NewUser) =>
      decideBatch(service.db, queue, { merchantId: id, batchId: requestId, checkerId: who.id, actor: `user:${who.email}`, decision });
    expect(await decide('APPROVED', maker)).toEqual({ ok: false, code: 'OWN_BATCH' });
    expect(await statusOf(requestId)).toBe('INIT');
    expect(await decide('REJECTED', checker)).toEqual({ ok: true });
    expect(await statusOf(requestId)).toBe('CANCELED');
    expect((await auth(requestId)).json.errorCode).toBe('6004');
    await expectBooksBalanced(service.db);
  });

  it("writes a decision with auth's or cancel's events, under one lock of the audit head", async () => {
    const id = BigInt(merchant.merchantId);
    const queue = tableQueue(1000);
    for (const decision of ['APPROVED', 'REJECTED'] as const) {
      const requestId = await init(`one-head-${decision}-${Date.now()}`);
      await service.db.transaction((tx) => requestApproval(tx, { merchantId: id, batchId: requestId, submittedBy: maker.id, actor: `user:${maker.email}` }));
      const recording = recordingDb(service.db);
      expect(await decideBatch(recording.db, queue, { merchantId: id, batchId: requestId, checkerId: checker.id, actor: `user:${checker.email}`, decision })).toEqual({ ok: true });
      const headLocks = recording.statements.filter((sql) => /insert into audit_heads/.test(sql));
      expect(headLocks, decision).toHaveLength(1);
      // The lock of the head comes after every domain statement: only the events' insert follows it.
      const afterLock = recording.statements.slice(recording.statements.indexOf(headLocks[0]) + 1);
      expect(afterLock.length, decision).toBeGreaterThan(0);
      expect(onAuditTables(afterLock), decision).toEqual(afterLock);
      const actions = await service.db.query<{ action: string }>(`select action from audit_events where request_id = $1 and actor = $2 order by id`, [requestId, `user:${checker.email}`]);
      expect(actions.rows.map((row) => row.action).at(-1)).toBe(decision === 'APPROVED' ? 'batch.approved' : 'batch.rejected');
    }
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
  });

  it('an approval that finds too little balance commits the refusal and stays awaiting; approved after a deposit', async () => {
    const poor = await service.createMerchant();
    const id = BigInt(poor.merchantId);
    const response = await service.signed(poor, 'POST', '/v1/mass/payout/init', { externalId: `poor-${Date.now()}`, items: [ibanItem(1, '10.00')] });
    expect(response.status, response.text).toBe(200);
    const requestId = response.json.requestId as string;
    await service.db.transaction((tx) => requestApproval(tx, { merchantId: id, batchId: requestId, submittedBy: maker.id, actor: `user:${maker.email}` }));
    const queue = tableQueue(1000);
    const approve = () => decideBatch(service.db, queue, { merchantId: id, batchId: requestId, checkerId: checker.id, actor: `user:${checker.email}`, decision: 'APPROVED' });
    expect(await approve()).toEqual({ ok: false, code: 'INSUFFICIENT_BALANCE' });
    expect(await statusOf(requestId)).toBe('INSUFFICIENT_BALANCE');
    const pending = await service.db.query<{ decision: string | null }>('select decision from batch_approvals where batch_id = $1', [requestId]);
    expect(pending.rows).toEqual([{ decision: null }]);
    const refused = await service.db.query<{ after: { status: string } }>(`select after from audit_events where request_id = $1 and action = 'batch.status'`, [requestId]);
    expect(refused.rows.map((row) => row.after.status)).toEqual(['INSUFFICIENT_BALANCE']);
    await service.deposit(poor, '100');
    expect(await approve()).toEqual({ ok: true });
    expect(await statusOf(requestId)).toBe('PUBLISHED_TO_QUEUE');
    expect(await verifyAudit(service.db)).toMatchObject({ ok: true });
    await expectBooksBalanced(service.db);
  });

  it("creates a maker's batch already awaiting its checker: if the approval cannot be written, no batch is left for API auth", async () => {
    const found = await merchantById(service.db, BigInt(merchant.merchantId));
    const externalId = `atomic-${Date.now()}`;
    const items = [ibanItem(1, '10.00'), ibanItem(2, '20.00')];
    const input = {
      merchant: found!, actor: `user:${maker.email}` as const, externalId, conversationId: null, purpose: null,
      fingerprint: requestFingerprint({ externalId, items }), checked: validateItems(items), submittedBy: maker.id, awaitChecker: true, sourceLines: [2, 4],
    };
    const batchesNamed = async () => (await service.db.query<{ n: number }>('select count(*)::int as n from batches where external_id = $1', [externalId])).rows[0].n;
    // The approval row's insert fails, as a crash right after the batch's own statements would.
    await service.db.query(`create function refuse_approval() returns trigger language plpgsql as $$ begin raise exception 'approval refused by the test'; end $$`);
    await service.db.query('create trigger refuse_approval before insert on batch_approvals for each row execute function refuse_approval()');
    try {
      await expect(initFromUpload(service.db, input)).rejects.toThrow(/approval refused by the test/);
    } finally {
      await service.db.query('drop trigger refuse_approval on batch_approvals');
      await service.db.query('drop function refuse_approval()');
    }
    expect(await batchesNamed()).toBe(0);

    const outcome = await initFromUpload(service.db, input);
    expect(outcome.kind).toBe('created');
    const requestId = (outcome as { requestId: string }).requestId;
    const approval = await service.db.query<{ decision: string | null; submitted_by: string }>('select decision, submitted_by::text from batch_approvals where batch_id = $1', [requestId]);
    expect(approval.rows).toEqual([{ decision: null, submitted_by: String(maker.id) }]);
    expect((await auth(requestId)).json.errorCode).toBe('7201');
    expect(await statusOf(requestId)).toBe('INIT');
    expect([...(await sourceLinesOf(service.db, requestId, [0, 1, 2]))]).toEqual([[0, 2], [1, 4]]);
    // The same submission again changes nothing: one batch, one pending approval.
    expect(await initFromUpload(service.db, input)).toEqual({ kind: 'replayed', requestId });
    expect(await batchesNamed()).toBe(1);
    expect((await service.db.query('select 1 from batch_approvals where batch_id = $1', [requestId])).rowCount).toBe(1);
  });

  it('without a setting or a pending approval, API auth is plain auth', async () => {
    const requestId = await init(`plain-${Date.now()}`);
    expect((await auth(requestId)).json.status).toBe('success');
  });
});
