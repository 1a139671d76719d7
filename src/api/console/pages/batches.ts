import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, type ApiErrorName } from '../../errors.ts';
import { messageFor } from '../../../errors.ts';
import type { Deps } from '../../deps.ts';
import { listEntityEvents } from '../../../audit/list.ts';
import { limits } from '../../../limits.ts';
import { formatDecimal } from '../../../money.ts';
import { logBatchChange } from '../../../observability/batch-log.ts';
import { decideBatch, type DecisionFailure } from '../../../payouts/approvals.ts';
import { approvalState, batchOwner, listBatches } from '../../../payouts/list-batches.ts';
import { sourceLinesOf } from '../../../payouts/source-lines.ts';
import { findMerchantBatch, itemStatusCounts, merchantItemsPage, type BatchRecord, type ItemFilter } from '../../../payouts/read-batch.ts';
import { batchStatuses, finalBatchStatuses, itemStatuses, type BatchStatus } from '../../../payouts/statuses.ts';
import { may } from '../../../users/roles.ts';
import { actorOf } from '../../../users/users.ts';
import { html, type Html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { checkCsrf, merchantScope, redirect, viewer, type Viewer } from '../viewer.ts';
import { itemCsvRoutes } from './exports.ts';
import { itemPage } from './item.ts';

const q = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
const dateOf = (text: string | undefined) => (text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : undefined);

/** The batch a viewer asked for, within what they may see; NOT_FOUND otherwise (never "forbidden": ids are not confirmed). */
export async function visibleBatch(deps: Deps, v: Viewer, batchId: string): Promise<BatchRecord> {
  const owner = v.kind === 'user' ? v.user.merchantId : await batchOwner(deps.db, batchId);
  const batch = owner === undefined ? undefined : await findMerchantBatch(deps.db, owner, { requestId: batchId }).catch(() => undefined);
  if (!batch) throw new ApiError('MASS_PAYOUT_NOT_FOUND');
  return batch;
}

const decisionFailures: Record<DecisionFailure, ApiErrorName> = {
  MASS_PAYOUT_NOT_FOUND: 'MASS_PAYOUT_NOT_FOUND',
  NOT_AWAITING_APPROVAL: 'NOT_AWAITING_APPROVAL',
  OWN_BATCH: 'OWN_BATCH',
  MASS_PAYOUT_CANCELED: 'MASS_PAYOUT_CANCELED',
  NO_VALID_ITEMS: 'NO_VALID_ITEMS',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  ALREADY_AUTHORIZED: 'ALREADY_AUTHORIZED',
};

export function batchPages(scope: FastifyInstance, deps: Deps): void {
  scope.get('/console/batches', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    const locale = request.console!.locale;
    const query = q(request);
    const asked = query.merchant && /^\d{1,18}$/.test(query.merchant) ? BigInt(query.merchant) : undefined;
    const status = batchStatuses.includes(query.status as BatchStatus) ? (query.status as BatchStatus) : undefined;
    const before = query.beforeAt && query.beforeId ? { receivedAt: new Date(query.beforeAt), id: query.beforeId } : undefined;
    if (before && (Number.isNaN(before.receivedAt.getTime()) || !/^[0-9a-f-]{36}$/.test(before.id))) throw new ApiError('INVALID_REQUEST');
    const to = dateOf(query.to);
    const rows = await listBatches(deps.db, {
      merchantId: merchantScope(v, asked),
      status,
      externalId: query.externalId || undefined,
      from: dateOf(query.from),
      to: to && new Date(to.getTime() + 86_400_000),
      before,
      limit: limits.consolePageRowsMax,
    });
    const last = rows.length === limits.consolePageRowsMax ? rows[rows.length - 1] : undefined;
    const keep = new URLSearchParams(Object.entries(query).filter(([k, value]) => value && !k.startsWith('before')) as [string, string][]);
    const body = html`
      <form method="get" class="filters" role="search" aria-label="${t(locale, 'filter')}">
        ${v.kind === 'operator' ? html`<label>${t(locale, 'merchant')} <input name="merchant" inputmode="numeric" value="${query.merchant ?? ''}" /></label>` : ''}
        <label>${t(locale, 'status')} <select name="status"><option value="">${t(locale, 'all')}</option>${batchStatuses.map((s) => html`<option ${s === status ? 'selected' : ''}>${s}</option>`)}</select></label>
        <label>${t(locale, 'from')} <input type="date" name="from" value="${query.from ?? ''}" /></label>
        <label>${t(locale, 'to')} <input type="date" name="to" value="${query.to ?? ''}" /></label>
        <label>${t(locale, 'externalId')} <input name="externalId" value="${query.externalId ?? ''}" /></label>
        <button type="submit">${t(locale, 'filter')}</button>
      </form>
      ${rows.length === 0
        ? html`<p>${t(locale, 'none')}</p>`
        : html`<table>
        <thead><tr><th>${t(locale, 'received')}</th>${v.kind === 'operator' ? html`<th>${t(locale, 'merchant')}</th>` : ''}<th>${t(locale, 'externalId')}</th><th>${t(locale, 'status')}</th><th class="num">${t(locale, 'items')}</th><th class="num">${t(locale, 'total')}</th></tr></thead>
        <tbody>${rows.map(
          (b) => html`<tr>
            <td>${b.receivedAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
            ${v.kind === 'operator' ? html`<td>${b.merchantName} (#${b.merchantId})</td>` : ''}
            <td><a href="/console/batches/${b.id}">${b.externalId}</a></td>
            <td>${statusBadge(b.status)}${b.awaitingApproval ? html` <span class="badge wait">${t(locale, 'awaitingApproval')}</span>` : ''}</td>
            <td class="num">${b.itemCount}</td>
            <td class="num">${formatDecimal(b.totalAmount)} ${b.currency}</td>
          </tr>`,
        )}</tbody></table>`}
      ${last ? html`<p><a rel="next" href="?${keep.toString()}&beforeAt=${encodeURIComponent(last.receivedAt.toISOString())}&beforeId=${last.id}">${t(locale, 'next')} →</a></p>` : ''}`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, t(locale, 'batches'), body));
  });

  scope.get('/console/batches/:id', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    const locale = request.console!.locale;
    const batch = await visibleBatch(deps, v, (request.params as { id: string }).id);
    const query = q(request);
    const filter: ItemFilter | undefined = query.items === 'VALID' || query.items === 'INVALID' ? query.items : undefined;
    const pageNo = Math.max(0, Math.min(Number.parseInt(query.page ?? '0', 10) || 0, 1_000_000));
    const size = 50;
    const [counts, items, invalid, approval, events] = await Promise.all([
      itemStatusCounts(deps.db, batch.id),
      merchantItemsPage(deps.db, batch.merchantId, batch.id, { page: pageNo, size, filter }),
      merchantItemsPage(deps.db, batch.merchantId, batch.id, { page: 0, size: limits.consolePageRowsMax, filter: 'INVALID' }),
      approvalState(deps.db, batch.id),
      listEntityEvents(deps.db, { requestId: batch.id, entity: `batch:${batch.id}`, limit: limits.consolePageRowsMax }),
    ]);
    // An uploaded batch names its bad lines by the line of the maker's file; an API batch by number.
    const fileLines = await sourceLinesOf(deps.db, batch.id, invalid.map((i) => i.seq));
    const settled = batch.validCount - batch.openCount;
    const live = !finalBatchStatuses.includes(batch.status) && batch.status !== 'INIT' && batch.status !== 'INSUFFICIENT_BALANCE';
    const awaiting = approval !== undefined && approval.decision === null;
    const canDecide = awaiting && v.kind === 'user' && may.decide(v.user.role) && approval.submittedBy !== v.user.email;
    const money = (minor: bigint) => `${formatDecimal(minor)} ${batch.currency}`;
    const body = html`
      <section aria-labelledby="summary"><h2 id="summary">${batch.externalId}</h2>
      <dl class="facts">
        <dt>${t(locale, 'status')}</dt><dd data-batch-status>${statusBadge(batch.status)}</dd>
        <dt>requestId</dt><dd><code>${batch.id}</code></dd>
        <dt>${t(locale, 'total')}</dt><dd>${money(batch.totalAmount)}</dd>
        <dt>${t(locale, 'paid')}</dt><dd>${money(batch.totalSuccessfulAmount)}</dd>
        <dt>${t(locale, 'plannedCommission')}</dt><dd>${money(batch.totalCommissionPlanned)}</dd>
        <dt>${t(locale, 'commission')}</dt><dd>${money(batch.totalCommissionAmount)}</dd>
        <dt>${t(locale, 'items')}</dt><dd>${batch.itemCount} (${batch.validCount} valid)</dd>
        <dt>${t(locale, 'received')}</dt><dd>${batch.receivedAt.toISOString()}</dd>
      </dl></section>
      ${approval
        ? html`<section aria-labelledby="approval" class="approval"><h2 id="approval">${t(locale, 'approvalPolicy')}</h2>
          <p>${t(locale, 'submittedBy')}: ${approval.submittedBy ?? 'API'}${approval.decision ? html` · ${approval.decision} · ${approval.decidedBy}` : html` · <strong>${t(locale, 'awaitingApproval')}</strong>`}</p>
          ${canDecide
            ? html`<form method="post" action="/console/batches/${batch.id}/decision" class="inline"><input type="hidden" name="_csrf" value="${v.csrfToken}" /><input type="hidden" name="decision" value="APPROVED" /><button type="submit" class="primary">${t(locale, 'approve')}</button></form>
              <form method="post" action="/console/batches/${batch.id}/decision" class="inline"><input type="hidden" name="_csrf" value="${v.csrfToken}" /><input type="hidden" name="decision" value="REJECTED" /><button type="submit" class="danger">${t(locale, 'reject')}</button></form>`
            : ''}</section>`
        : ''}
      <section aria-labelledby="progress-heading"><h2 id="progress-heading">${t(locale, 'progress')}</h2>
        <progress id="batch-progress" aria-labelledby="progress-heading" max="${Math.max(batch.validCount, 1)}" value="${settled}" ${live ? html`data-poll="/console/batches/${batch.id}/progress" data-every="${limits.consoleProgressPollMs}"` : ''}>${settled} / ${batch.validCount}</progress>
        <output for="batch-progress" data-progress-text>${settled} / ${batch.validCount}</output>
        <h3>${t(locale, 'counts')}</h3>
        <table class="counts"><tbody>${itemStatuses.map((s) => html`<tr><th scope="row">${s}</th><td class="num" data-count="${s}">${counts[s]}</td></tr>`)}</tbody></table>
      </section>
      <p><a href="/console/batches/${batch.id}/items.csv" download>${t(locale, 'exportItems')}</a> · <a href="/console/batches/${batch.id}/invalid.csv" download>${t(locale, 'exportInvalid')}</a></p>
      ${invalid.length > 0
        ? html`<section aria-labelledby="invalid-heading"><h2 id="invalid-heading">${t(locale, 'invalidLines')}</h2><table>
          <thead><tr><th class="num">${fileLines.size > 0 ? t(locale, 'csvLine') : '#'}</th><th>itemExternalId</th><th>${t(locale, 'recipient')}</th><th>${t(locale, 'reason')}</th></tr></thead>
          <tbody>${invalid.map((i) => html`<tr><td class="num">${fileLines.get(i.seq) ?? i.seq + 1}</td><td>${i.itemExternalId}</td><td>${i.recipientInfo}</td><td>${i.errorCodes.map((c) => messageFor(c, locale)).join('; ')}</td></tr>`)}</tbody></table></section>`
        : ''}
      <section aria-labelledby="items-heading"><h2 id="items-heading">${t(locale, 'items')}</h2>
        <p class="tabs">${(['', 'VALID', 'INVALID'] as const).map((f) => html`<a href="?items=${f}" ${f === (filter ?? '') ? html`aria-current="page"` : ''}>${f || t(locale, 'all')}</a> `)}</p>
        <table><thead><tr><th class="num">#</th><th>itemExternalId</th><th>${t(locale, 'recipient')}</th><th class="num">${t(locale, 'amount')}</th><th>${t(locale, 'status')}</th></tr></thead>
        <tbody>${items.map((i) => html`<tr><td class="num">${i.seq + 1}</td><td><a href="/console/items/${i.referenceCode}">${i.itemExternalId}</a></td><td>${i.recipientType} ${i.recipientInfo}${i.recipientName ? ` (${i.recipientName})` : ''}</td><td class="num">${formatDecimal(i.amount)}</td><td>${statusBadge(i.status)}</td></tr>`)}</tbody></table>
        <p>${pageNo > 0 ? html`<a rel="prev" href="?items=${filter ?? ''}&page=${pageNo - 1}">← ${t(locale, 'previous')}</a> ` : ''}${items.length === size ? html`<a rel="next" href="?items=${filter ?? ''}&page=${pageNo + 1}">${t(locale, 'next')} →</a>` : ''}</p>
      </section>
      <section aria-labelledby="audit-heading"><h2 id="audit-heading">${t(locale, 'audit')}</h2>${eventsTable(locale, events)}</section>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, `${t(locale, 'batches')}: ${batch.externalId}`, body));
  });

  scope.get('/console/batches/:id/progress', { schema: { hide: true } }, async (request) => {
    const batch = await visibleBatch(deps, viewer(request), (request.params as { id: string }).id);
    const counts = await itemStatusCounts(deps.db, batch.id);
    return { status: batch.status, valid: batch.validCount, settled: batch.validCount - batch.openCount, counts, final: finalBatchStatuses.includes(batch.status) };
  });

  scope.post('/console/batches/:id/decision', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    checkCsrf(request, v);
    if (v.kind !== 'user' || !may.decide(v.user.role)) throw new ApiError('ROLE_FORBIDDEN');
    const decision = (request.body as Record<string, unknown>).decision;
    if (decision !== 'APPROVED' && decision !== 'REJECTED') throw new ApiError('INVALID_REQUEST', 'decision must be APPROVED or REJECTED');
    const batch = await visibleBatch(deps, v, (request.params as { id: string }).id);
    const actor = actorOf(v.user);
    const outcome = await decideBatch(deps.db, deps.queue, { merchantId: v.user.merchantId, batchId: batch.id, checkerId: v.user.id, actor, decision });
    if (!outcome.ok) throw new ApiError(decisionFailures[outcome.code]);
    logBatchChange(request.log, { batchId: batch.id, merchantId: batch.merchantId, to: decision === 'APPROVED' ? 'IN_PROGRESS' : 'CANCELED', actor });
    return redirect(reply, `/console/batches/${batch.id}`);
  });

  itemCsvRoutes(scope, deps);
  itemPage(scope, deps);
}

export function statusBadge(status: string): Html {
  return html`<span class="badge s-${status.toLowerCase()}">${status}</span>`;
}

export function eventsTable(locale: 'tr' | 'en', events: readonly { at: Date; actor: string; action: string; before: unknown; after: unknown }[]): Html {
  if (events.length === 0) return html`<p>${t(locale, 'none')}</p>`;
  return html`<table class="events"><thead><tr><th>${t(locale, 'at')}</th><th>${t(locale, 'actor')}</th><th>${t(locale, 'action')}</th><th>→</th></tr></thead>
    <tbody>${events.map((e) => html`<tr><td>${e.at.toISOString()}</td><td>${e.actor}</td><td>${e.action}</td><td><code>${e.before ? JSON.stringify(e.before) + ' → ' : ''}${JSON.stringify(e.after)}</code></td></tr>`)}</tbody></table>`;
}
