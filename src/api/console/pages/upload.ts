import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';
import { errors, type Locale } from '../../../errors.ts';
import type { Deps } from '../../deps.ts';
import { readPayoutCsv, type CsvProblem } from '../../../wire/read-payout-csv.ts';
import { limits } from '../../../limits.ts';
import { merchantById } from '../../../merchants/merchants.ts';
import { formatDecimal } from '../../../money.ts';
import { logBatchChange } from '../../../observability/batch-log.ts';
import { needsChecker } from '../../../payouts/approvals.ts';
import { authorizeBatch } from '../../../payouts/authorize-batch.ts';
import { requestFingerprint } from '../../../payouts/fingerprint.ts';
import { initFromUpload } from '../../../payouts/init-from-upload.ts';
import { validateItems, type CheckedBatch } from '../../../payouts/validate-item.ts';
import { may } from '../../../users/roles.ts';
import { actorOf, type ConsoleUser } from '../../../users/users.ts';
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { checkCsrf, redirect, viewer, type Viewer } from '../viewer.ts';

function maker(v: Viewer): ConsoleUser {
  if (v.kind !== 'user' || !may.submit(v.user.role)) throw new ApiError('ROLE_FORBIDDEN');
  return v.user;
}

/** The CLI's reader, then the server's validator: every bad line with its line number, before anything is created. */
export function reviewCsv(bytes: Uint8Array): { ok: false; problems: CsvProblem[] } | { ok: true; lines: number[]; checked: CheckedBatch; items: unknown[] } {
  const read = readPayoutCsv(bytes);
  if (!read.ok) return read;
  const items = read.rows.map((row) => row.item);
  return { ok: true, lines: read.rows.map((row) => row.line), checked: validateItems(items), items };
}

function lineProblems(review: Extract<ReturnType<typeof reviewCsv>, { ok: true }>, locale: Locale): CsvProblem[] {
  const problems: CsvProblem[] = [];
  review.checked.items.forEach((entry, i) => {
    if (!entry.valid) problems.push({ line: review.lines[i], reason: entry.reasons.map((reason) => errors[reason][locale]).join('; ') });
  });
  return problems;
}

export function uploadPages(scope: FastifyInstance, deps: Deps): void {
  scope.get('/console/upload', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    maker(v);
    const locale = request.console!.locale;
    const body = html`<form method="post" action="/console/upload" enctype="multipart/form-data" class="card">
      <input type="hidden" name="_csrf" value="${v.csrfToken}" />
      <label>${t(locale, 'externalId')} <input name="externalId" required maxlength="64" /></label>
      <label>${t(locale, 'csvFile')} <input name="file" type="file" accept=".csv,text/csv" required /></label>
      <p class="hint"><code>itemExternalId,recipientType,recipientInfo,recipientName,amount,currency,description</code></p>
      <button type="submit">${t(locale, 'review')}</button>
    </form>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, t(locale, 'upload'), body));
  });

  scope.post('/console/upload', { bodyLimit: limits.consoleUploadBytesMax, schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    const user = maker(v);
    checkCsrf(request, v);
    const locale = request.console!.locale;
    const form = request.body as Record<string, unknown>;
    const externalId = typeof form.externalId === 'string' ? form.externalId.trim() : '';
    if (externalId.length < 1 || externalId.length > 64) throw new ApiError('INVALID_REQUEST', 'externalId: 1 to 64 characters');
    if (!(form.file instanceof Uint8Array)) throw new ApiError('CSV_UNREADABLE', 'no file');
    const review = reviewCsv(form.file);
    const problems = review.ok ? lineProblems(review, locale) : review.problems;
    if (review.ok && review.items.length > deps.config.itemsPerBatchMax) throw new ApiError('TOO_MANY_ITEMS', `at most ${deps.config.itemsPerBatchMax}`);
    let submit = html``;
    if (review.ok && review.checked.validCount > 0) {
      const id = randomUUID();
      await deps.db.query('insert into console_drafts (id, user_id, external_id, csv) values ($1, $2, $3, $4)', [id, user.id, externalId, Buffer.from(form.file)]);
      const total = review.checked.items.reduce((sum, entry) => sum + (entry.valid ? entry.item.amountMinor : 0n), 0n);
      submit = html`<p>${t(locale, 'validLines')}: <strong>${review.checked.validCount}</strong> · ${t(locale, 'total')}: <strong>${formatDecimal(total)} ${review.checked.currency}</strong></p>
        <form method="post" action="/console/drafts/${id}/submit"><input type="hidden" name="_csrf" value="${v.csrfToken}" /><button type="submit" class="primary">${t(locale, 'submit')}</button></form>`;
    }
    const body = html`<p>${t(locale, 'nothingCreated')} ${problems.length > 0 ? t(locale, 'fixAndUpload') : ''}</p>
      ${problems.length > 0
        ? html`<section aria-labelledby="bad-lines"><h2 id="bad-lines">${t(locale, 'invalidLines')} (${problems.length})</h2>
          <table><thead><tr><th class="num">${t(locale, 'csvLine')}</th><th>${t(locale, 'reason')}</th></tr></thead>
          <tbody>${problems.map((p) => html`<tr><td class="num">${p.line}</td><td>${p.reason}</td></tr>`)}</tbody></table></section>`
        : ''}
      ${submit}`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, `${t(locale, 'reviewTitle')}: ${externalId}`, body));
  });

  scope.post('/console/drafts/:id/submit', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    const user = maker(v);
    checkCsrf(request, v);
    const id = (request.params as { id: string }).id;
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new ApiError('NOT_FOUND');
    const draft = await deps.db.query<{ external_id: string; csv: Uint8Array }>('select external_id, csv from console_drafts where id = $1 and user_id = $2', [id, user.id]);
    if (!draft.rows[0]) throw new ApiError('NOT_FOUND');
    const review = reviewCsv(draft.rows[0].csv);
    if (!review.ok) throw new ApiError('CSV_UNREADABLE');
    const merchant = await merchantById(deps.db, user.merchantId);
    if (!merchant) throw new ApiError('MERCHANT_NOT_FOUND');
    const actor = actorOf(user);
    const externalId = draft.rows[0].external_id;
    const total = review.checked.items.reduce((sum, entry) => sum + (entry.valid ? entry.item.amountMinor : 0n), 0n);
    const checker = needsChecker(merchant.approval, total);
    const input = {
      merchant, actor, externalId, conversationId: null, purpose: null,
      fingerprint: requestFingerprint({ externalId, items: review.items }),
      checked: review.checked,
    };
    // Needing a checker, the batch is created already awaiting one (one transaction): never a moment
    // in which the API's auth could authorise it alone.
    const outcome = await initFromUpload(deps.db, { ...input, submittedBy: user.id, awaitChecker: checker, sourceLines: review.lines });
    if (outcome.kind === 'conflict') throw new ApiError('EXTERNAL_ID_CONFLICT');
    await deps.db.query('delete from console_drafts where id = $1', [id]);
    if (outcome.kind === 'created') logBatchChange(request.log, { batchId: outcome.requestId, merchantId: merchant.id, to: 'INIT', actor });
    if (!checker) {
      const authorized = await authorizeBatch(deps.db, deps.queue, { merchantId: merchant.id, batchId: outcome.requestId, actor });
      if (authorized.ok && authorized.authorizedNow) logBatchChange(request.log, { batchId: outcome.requestId, merchantId: merchant.id, to: 'IN_PROGRESS', actor });
    }
    return redirect(reply, `/console/batches/${outcome.requestId}`);
  });
}
