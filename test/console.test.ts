import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { totpCode } from '../src/users/totp.ts';
import { trIban } from './support/items.ts';
import { startTestWorkers, type TestWorkers } from './support/processing.ts';
import { expectBooksBalanced, startTestService, type TestService } from './support/service.ts';

/**
 * The console in a real browser (Debian's Chromium driven by playwright-core), as its users work:
 * elements are found by role and label, as a screen reader finds them. With
 * MASSPAYOUT_SCREENSHOTS=1 the main pages are saved under docs/console/ (the README shows them).
 */
const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const screenshots = process.env.MASSPAYOUT_SCREENSHOTS === '1' ? join(import.meta.dirname, '..', 'docs', 'console') : undefined;

let service: TestService;
let workers: TestWorkers | undefined;
let context: BrowserContext;
let browserPage: Page;
let profile: string;
beforeAll(async () => {
  // Five items per chunk and a slow bank: the batch settles in steps the progress bar shows.
  service = await startTestService({ queue: { ...configFromEnv({}).queue, chunkItems: 5 } });
  profile = mkdtempSync(join(tmpdir(), 'masspayout-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: chromiumFlags, locale: 'en-US' });
  browserPage = context.pages()[0] ?? (await context.newPage());
  if (screenshots) mkdirSync(screenshots, { recursive: true });
}, 120_000);
afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await workers?.stop();
  await service?.close();
});

async function shoot(name: string) {
  if (screenshots) await browserPage.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

async function signInAsUser(email: string, password: string, secret: string) {
  const page = browserPage;
  await page.goto(`${service.url}/console/sign-in?lang=en`);
  const form = page.getByRole('form', { name: 'Merchant user sign-in' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill(password);
  await form.getByLabel('Verification code (TOTP)').fill(await totpCode(secret));
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.url()).toContain('/console/batches');
}

async function signOut() {
  await browserPage.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => browserPage.url()).toContain('/console/sign-in');
}

const csv = [
  'itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description',
  ...Array.from({ length: 20 }, (_, i) => `pay-${i + 1},IBAN,${trIban(i + 1)},Recipient ${i + 1},${i + 1}.00,TRY,salary`),
  // A blank line (skipped): the bad lines are lines 23 and 24 of the file, items 21 and 22 of the batch.
  '',
  'bad-iban,IBAN,TR000000000000000000000000,Nobody,5.00,TRY,',
  'bad-amount,IBAN,' + trIban(30) + ',Someone,-3,TRY,',
].join('\n');

describe('the console, in Chromium', () => {
  it('operator, maker and checker: upload with bad lines, four-eyes approval, a live settlement, the audit trail naming both', { timeout: 240_000 }, async () => {
    const page = browserPage;
    // The operator signs in with the admin token, creates a merchant, funds it, and gives it a maker and a checker.
    await page.goto(`${service.url}/console?lang=en`);
    await expect.poll(() => page.url()).toContain('/console/sign-in');
    await shoot('sign-in');
    const operatorForm = page.getByRole('form', { name: 'Operator sign-in (admin token)' });
    await operatorForm.getByLabel('Admin token').fill('wrong-token');
    await operatorForm.getByRole('button', { name: 'Sign in (Operator)' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Invalid admin token');
    await page.getByRole('form', { name: 'Operator sign-in (admin token)' }).getByLabel('Admin token').fill(service.adminToken);
    await page.getByRole('form', { name: 'Operator sign-in (admin token)' }).getByRole('button', { name: 'Sign in (Operator)' }).click();
    await expect.poll(() => page.url()).toContain('/console/batches');

    await page.getByRole('link', { name: 'Merchants' }).click();
    const create = page.getByRole('form', { name: 'Create a merchant' });
    await create.getByLabel('Name').fill('Payroll Ltd');
    await create.getByLabel('Fixed commission').fill('0.50');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'Payroll Ltd →' }).click();
    const deposit = page.getByRole('form', { name: 'Deposit' });
    await deposit.getByLabel('Amount').fill('1000');
    await deposit.getByRole('button', { name: 'Deposit' }).click();
    await expect(page.getByRole('table').first().textContent()).resolves.toContain('1000');
    const merchantUrl = page.url();

    const users: Record<string, string> = {};
    for (const role of ['maker', 'checker'] as const) {
      await page.goto(merchantUrl);
      const form = page.getByRole('form', { name: 'Create a user' });
      await form.getByLabel('Email').fill(`${role}@payroll.example`);
      await form.getByLabel('Role').selectOption(role);
      await form.getByLabel('Password').fill(`${role}-correct-horse-battery`);
      await form.getByRole('button', { name: 'Create a user' }).click();
      users[role] = (await page.locator('[data-totp-secret]').textContent()) ?? '';
      expect(users[role]).toMatch(/^[A-Z2-7]{16,}$/);
    }
    await page.goto(merchantUrl);
    await shoot('merchant');
    await signOut();

    // A wrong code is refused without saying which field was wrong.
    await page.goto(`${service.url}/console/sign-in?lang=en`);
    const userForm = page.getByRole('form', { name: 'Merchant user sign-in' });
    await userForm.getByLabel('Email').fill('maker@payroll.example');
    await userForm.getByLabel('Password').fill('maker-correct-horse-battery');
    await userForm.getByLabel('Verification code (TOTP)').fill('000000');
    await userForm.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('The email, password or verification code is wrong');

    // The maker uploads a CSV with two bad lines and sees them by line number before anything exists.
    await signInAsUser('maker@payroll.example', 'maker-correct-horse-battery', users.maker);
    await page.getByRole('link', { name: 'Upload CSV' }).click();
    await page.getByLabel('externalId').fill('payroll-2026-12');
    await page.getByLabel('CSV file').setInputFiles({ name: 'payroll.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Review' }).click();
    const badLines = page.getByRole('region', { name: /Invalid lines/ });
    await expect(badLines.getByRole('row').count()).resolves.toBe(3);
    await expect(badLines.getByRole('columnheader').first().textContent()).resolves.toBe('CSV line');
    await expect(badLines.getByRole('row').nth(1).textContent()).resolves.toMatch(/^23.*The IBAN is invalid/);
    await expect(badLines.getByRole('row').nth(2).textContent()).resolves.toMatch(/^24.*greater than zero/);
    expect((await service.db.query(`select count(*)::int as n from batches where external_id = 'payroll-2026-12'`)).rows[0]).toEqual({ n: 0 });
    await shoot('upload-review');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => page.url()).toMatch(/\/console\/batches\/[0-9a-f-]{36}$/);
    const batchUrl = page.url();
    const requestId = batchUrl.split('/').pop()!;
    await expect(page.getByRole('region', { name: 'Four-eyes approval' }).textContent()).resolves.toContain('Awaiting approval');
    // The batch page names the bad lines as the file does, as the review did.
    const batchBadLines = page.getByRole('region', { name: 'Invalid lines' });
    await expect(batchBadLines.getByRole('columnheader').first().textContent()).resolves.toBe('CSV line');
    await expect(batchBadLines.getByRole('row').nth(1).textContent()).resolves.toMatch(/^23bad-iban/);
    await expect(batchBadLines.getByRole('row').nth(2).textContent()).resolves.toMatch(/^24bad-amount/);

    // The maker cannot approve: no button, and a forged form is refused.
    await expect(page.getByRole('button', { name: 'Approve' }).count()).resolves.toBe(0);
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const forged = await page.request.post(`${batchUrl}/decision?lang=en`, { form: { _csrf: csrf!, decision: 'APPROVED' } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('Your role does not allow this');
    const noCsrf = await page.request.post(`${service.url}/console/sign-out`, { form: {} });
    expect(noCsrf.status()).toBe(403);
    expect((await service.db.query('select status from batches where id = $1', [requestId])).rows[0]).toEqual({ status: 'INIT' });
    await signOut();

    // The checker signs in with a TOTP code and approves; the batch settles while the page watches.
    await signInAsUser('checker@payroll.example', 'checker-correct-horse-battery', users.checker);
    await page.goto(batchUrl);
    await shoot('batch-awaiting-approval');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.url()).toBe(batchUrl);
    const bar = page.getByRole('progressbar');
    expect(await bar.getAttribute('value')).toBe('0');
    expect(await bar.getAttribute('max')).toBe('20');
    workers = startTestWorkers(service, { concurrency: 1, railCallsInFlight: 1, sandbox: { latencyMs: 40 } });
    // The page's script moves the bar (no reload): every value it shows is kept until it is final.
    await page.waitForFunction(
      () => {
        const progress = document.querySelector('progress') as HTMLProgressElement;
        const seen = ((window as unknown as { seen?: number[] }).seen ??= []);
        if (seen[seen.length - 1] !== progress.value) seen.push(progress.value);
        return progress.dataset.final === 'COMPLETED' && progress.value === progress.max;
      },
      undefined,
      { timeout: 120_000, polling: 100 },
    );
    const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(20);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await page.locator('[data-count="SUCCESS"]').textContent()).toBe('20');
    await expect(page.locator('[data-batch-status]').textContent()).resolves.toContain('COMPLETED');
    await page.reload();
    await shoot('batch-completed');

    // The audit trail names both users: the maker created and submitted it, the checker approved it.
    const audit = (await page.getByRole('region', { name: 'Audit trail' }).textContent()) ?? '';
    expect(audit).toMatch(/user:maker@payroll\.example\s*batch\.created/);
    expect(audit).toMatch(/user:maker@payroll\.example\s*batch\.approval_requested/);
    expect(audit).toMatch(/user:checker@payroll\.example\s*batch\.approved/);
    expect(audit).toMatch(/user:checker@payroll\.example\s*batch\.status/);

    // The INVALID lines are exported ready to fix and upload again (the submit columns first).
    const invalid = await page.request.get(`${batchUrl}/invalid.csv?lang=en`);
    const lines = (await invalid.text()).trim().split('\n');
    expect(lines[0]).toBe('itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description,errorMessage');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual(['bad-iban', 'bad-amount']);
    const items = await page.request.get(`${batchUrl}/items.csv`);
    expect((await items.text()).trim().split('\n')).toHaveLength(23);

    // An item's page: its state changes, postings and the bank's answer.
    await page.getByRole('link', { name: 'pay-1', exact: true }).click();
    await expect(page.getByRole('region', { name: 'State changes' }).textContent()).resolves.toContain('QUEUED');
    await expect(page.getByRole('region', { name: 'Ledger postings' }).textContent()).resolves.toContain('bank_settlement');
    await expect(page.getByRole('region', { name: 'Rail attempts and answers' }).textContent()).resolves.toContain('PAID');
    await shoot('item');
    await signOut();

    // The operator sees the batch among all merchants' batches, and the books.
    await page.goto(`${service.url}/console/sign-in?lang=en`);
    await page.getByRole('form', { name: 'Operator sign-in (admin token)' }).getByLabel('Admin token').fill(service.adminToken);
    await page.getByRole('form', { name: 'Operator sign-in (admin token)' }).getByRole('button', { name: 'Sign in (Operator)' }).click();
    await page.getByLabel('Status').selectOption('COMPLETED');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByRole('link', { name: 'payroll-2026-12' }).count()).resolves.toBe(1);
    await shoot('batches');
    await page.getByRole('link', { name: 'Trial balance' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('The books balance');
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toContain('The audit chain is intact');
    await page.goto(`${service.url}/console/batches?lang=tr`);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Toplu ödemeler');

    // Every page the operator reaches: each form field has a label, each button a name.
    const merchantId = merchantUrl.split('/').pop();
    for (const path of ['/console/batches', '/console/merchants', merchantUrl.replace(service.url, ''), batchUrl.replace(service.url, ''), '/console/ledger', '/console/audit', '/console/chunks', '/console/bank-files', '/console/webhooks', `/console/webhooks?merchant=${merchantId}`]) {
      await page.goto(`${service.url}${path}${path.includes('?') ? '&' : '?'}lang=en`);
      const unnamed = await page.evaluate(() => [
        ...[...document.querySelectorAll<HTMLInputElement>('input:not([type=hidden]), select, textarea')].filter((field) => field.labels?.length === 0 && !field.getAttribute('aria-label')).map((field) => `field ${field.name}`),
        ...[...document.querySelectorAll('button')].filter((button) => !(button.textContent ?? '').trim() && !button.getAttribute('aria-label')).map((button) => `button ${button.outerHTML}`),
      ]);
      expect(unnamed, path).toEqual([]);
    }
    await expectBooksBalanced(service.db);
  });
});
