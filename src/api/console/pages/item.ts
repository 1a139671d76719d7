import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.ts';
import { messageFor } from '../../../errors.ts';
import type { Deps } from '../../deps.ts';
import { formatDecimal } from '../../../money.ts';
import { itemHistory } from '../../../payouts/item-history.ts';
import { itemOwner } from '../../../payouts/list-batches.ts';
import { findMerchantItem } from '../../../payouts/read-batch.ts';
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { viewer } from '../viewer.ts';
import { eventsTable, statusBadge } from './batches.ts';

/** One item: every state change from the audit trail, its ledger postings, and the rail's answers. */
export function itemPage(scope: FastifyInstance, deps: Deps): void {
  scope.get('/console/items/:ref', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    const locale = request.console!.locale;
    const ref = (request.params as { ref: string }).ref;
    const owner = v.kind === 'user' ? v.user.merchantId : await itemOwner(deps.db, ref);
    const item = owner === undefined ? undefined : await findMerchantItem(deps.db, owner, ref).catch(() => undefined);
    if (!item) throw new ApiError('ITEM_NOT_FOUND');
    const history = await itemHistory(deps.db, item);
    const body = html`
      <p><a href="/console/batches/${item.batchId}">← ${t(locale, 'batches')}</a></p>
      <dl class="facts">
        <dt>${t(locale, 'status')}</dt><dd>${statusBadge(item.status)}</dd>
        <dt>referenceCode</dt><dd><code>${item.referenceCode}</code></dd>
        <dt>${t(locale, 'recipient')}</dt><dd>${item.recipientType} ${item.recipientInfo} ${item.recipientName ?? ''}</dd>
        <dt>${t(locale, 'amount')}</dt><dd>${formatDecimal(item.amount)} ${item.currency} (+ ${formatDecimal(item.commission)})</dd>
        ${item.errorCodes.length > 0 ? html`<dt>${t(locale, 'reason')}</dt><dd>${item.errorCodes.map((c) => `${c} ${messageFor(c, locale)}`).join('; ')}</dd>` : ''}
      </dl>
      <section aria-labelledby="history"><h2 id="history">${t(locale, 'history')}</h2>${eventsTable(locale, history.events)}</section>
      <section aria-labelledby="postings"><h2 id="postings">${t(locale, 'postings')}</h2>
        ${history.postings.length === 0 ? html`<p>${t(locale, 'none')}</p>` : html`<table><thead><tr><th>${t(locale, 'at')}</th><th>kind</th><th>debit</th><th>credit</th><th class="num">${t(locale, 'amount')}</th></tr></thead>
        <tbody>${history.postings.map((p) => html`<tr><td>${p.at.toISOString()}</td><td>${p.kind}</td><td>${p.debit}</td><td>${p.credit}</td><td class="num">${formatDecimal(p.amount)} ${p.currency}</td></tr>`)}</tbody></table>`}
      </section>
      <section aria-labelledby="rail"><h2 id="rail">${t(locale, 'railAttempts')}</h2>
        ${history.bank.length === 0 ? html`<p>${t(locale, 'none')}</p>` : html`<table><thead><tr><th>${t(locale, 'at')}</th><th>${t(locale, 'status')}</th><th>${t(locale, 'reason')}</th></tr></thead>
        <tbody>${history.bank.map((b) => html`<tr><td>${b.at.toISOString()}</td><td>${b.status}</td><td>${b.reason ?? ''}</td></tr>`)}</tbody></table>`}
      </section>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, `${item.itemExternalId}`, body));
  });
}
