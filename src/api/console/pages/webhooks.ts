import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import type { Deps } from '../../deps.ts';
import { limits } from '../../../limits.ts';
import { merchantById } from '../../../merchants/merchants.ts';
import { getEndpoint, listEndpoints } from '../../../webhooks/endpoints.ts';
import { listDeliveries } from '../../../webhooks/list-deliveries.ts';
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { requireOperator, viewer } from '../viewer.ts';

const q = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
const idOf = (text: string | undefined) => (text && /^\d{1,18}$/.test(text) ? BigInt(text) : undefined);

/**
 * Outcome webhooks as the operator sees them (the admin API's rows): a merchant's endpoints with
 * their state, and an endpoint's deliveries, oldest first, each with every attempt made (time, HTTP
 * status or network error, duration). Secrets are never shown here: they are shown once, on create.
 */
export function webhookPages(scope: FastifyInstance, deps: Deps): void {
  scope.get('/console/webhooks', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    const locale = request.console!.locale;
    const merchantId = idOf(q(request).merchant);
    const merchant = merchantId === undefined ? undefined : await merchantById(deps.db, merchantId);
    const endpoints = merchant ? await listEndpoints(deps.db, merchant.id) : [];
    const body = html`
      <form method="get" class="filters" role="search" aria-label="${t(locale, 'filter')}">
        <label>${t(locale, 'merchant')} <input name="merchant" inputmode="numeric" required value="${q(request).merchant ?? ''}" /></label>
        <button type="submit">${t(locale, 'show')}</button>
      </form>
      ${merchantId === undefined
        ? html`<p>${t(locale, 'webhooksPickMerchant')}</p>`
        : !merchant
          ? html`<p role="alert" class="error">${t(locale, 'merchant')} ${merchantId}: ${t(locale, 'none')}</p>`
          : html`<section aria-labelledby="endpoints-heading"><h2 id="endpoints-heading">${t(locale, 'endpoints')}: ${merchant.name}</h2>
            ${endpoints.length === 0
              ? html`<p>${t(locale, 'none')}</p>`
              : html`<table><thead><tr><th class="num">#</th><th>URL</th><th>${t(locale, 'eventTypes')}</th><th>${t(locale, 'state')}</th><th class="num">${t(locale, 'failuresInARow')}</th><th>${t(locale, 'lastSuccess')}</th></tr></thead>
                <tbody>${endpoints.map((e) => html`<tr data-endpoint="${e.id}"><td class="num"><a href="/console/webhooks/${merchant.id}/${e.id}">${e.id}</a></td><td><code>${e.url}</code></td><td>${e.events.join(', ')} (${e.itemEvents})</td><td><span class="badge">${e.status}</span>${e.disabledReason ? html`<br /><small>${e.disabledReason}</small>` : ''}</td><td class="num">${e.consecutiveFailures}</td><td>${e.lastSuccessAt?.toISOString() ?? ''}</td></tr>`)}</tbody></table>`}
            </section>`}`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, t(locale, 'webhooks'), body));
  });

  scope.get('/console/webhooks/:merchantId/:endpointId', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    const locale = request.console!.locale;
    const params = request.params as { merchantId: string; endpointId: string };
    const merchantId = idOf(params.merchantId);
    const endpointId = idOf(params.endpointId);
    const endpoint = merchantId === undefined || endpointId === undefined ? undefined : await getEndpoint(deps.db, merchantId, endpointId);
    if (!endpoint) throw new ApiError('NOT_FOUND');
    const afterId = idOf(q(request).afterId) ?? 0n;
    const deliveries = await listDeliveries(deps.db, endpoint.id, { limit: limits.consolePageRowsMax, afterId });
    const last = deliveries.length === limits.consolePageRowsMax ? deliveries[deliveries.length - 1] : undefined;
    const body = html`
      <p><a href="/console/webhooks?merchant=${endpoint.merchantId}">← ${t(locale, 'endpoints')}</a> · <code>${endpoint.url}</code> · <span class="badge">${endpoint.status}</span></p>
      <section aria-labelledby="deliveries-heading"><h2 id="deliveries-heading">${t(locale, 'deliveries')}</h2>
      ${deliveries.length === 0
        ? html`<p>${t(locale, 'none')}</p>`
        : html`<table><thead><tr><th class="num">#</th><th>webhook-id</th><th>${t(locale, 'eventType')}</th><th>${t(locale, 'batches')}</th><th>${t(locale, 'state')}</th><th class="num">${t(locale, 'attempts')}</th><th>${t(locale, 'attemptLog')}</th><th>${t(locale, 'nextAttempt')}</th></tr></thead>
          <tbody>${deliveries.map((d) => html`<tr data-delivery="${d.id}"><td class="num">${d.id}</td><td><code>${d.messageId}</code></td><td>${d.eventType}</td><td><a href="/console/batches/${d.batchId}">${d.batchId}</a></td><td><span class="badge">${d.status}</span></td><td class="num">${d.attempts}</td>
            <td><ol class="attempts">${d.attemptLog.map((a) => html`<li data-attempt>${a.at.toISOString()} · ${a.httpStatus ?? a.error ?? ''} · ${a.durationMs} ms${a.manual ? html` · ${t(locale, 'manual')}` : ''}</li>`)}</ol></td>
            <td>${d.nextAttemptAt?.toISOString() ?? ''}</td></tr>`)}</tbody></table>
          ${last ? html`<p><a href="?afterId=${last.id}" rel="next">${t(locale, 'next')}</a></p>` : ''}`}
      </section>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, `${t(locale, 'webhooks')} #${endpoint.id}`, body));
  });
}
