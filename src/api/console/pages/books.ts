import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.ts';
import { listAuditEvents } from '../../../audit/list.ts';
import { verifyAuditAndTransfers } from '../../../ledger/verify-transfer-sets.ts';
import { trialBalance } from '../../../ledger/balances.ts';
import { limits } from '../../../limits.ts';
import { formatDecimal } from '../../../money.ts';
import { html, type Html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { checkCsrf, requireOperator, viewer } from '../viewer.ts';
import { eventsTable } from './batches.ts';

/** The operator's checks: the trial balance, the audit chain, chunks that wait (bank files and webhooks have pages of their own). */
export function bookPages(scope: FastifyInstance, deps: Deps): void {
  const operatorPage = (path: string, title: Parameters<typeof t>[1], render: (request: FastifyRequest) => Promise<Html>, method: 'get' | 'post' = 'get') =>
    scope[method](path, { schema: { hide: true } }, async (request, reply) => {
      const v = viewer(request);
      requireOperator(v);
      if (method === 'post') checkCsrf(request, v);
      const locale = request.console!.locale;
      return reply.type('text/html; charset=utf-8').send(page(locale, v, t(locale, title), await render(request)));
    });

  operatorPage('/console/ledger', 'ledger', async (request) => {
    const locale = request.console!.locale;
    const trial = await trialBalance(deps.db);
    return html`<p role="status" class="${trial.balanced ? 'ok' : 'error'}">${t(locale, trial.balanced ? 'balanced' : 'unbalanced')}</p>
      <table><thead><tr><th>${t(locale, 'currency')}</th><th class="num">Σ</th></tr></thead>
      <tbody>${trial.currencies.map((c) => html`<tr><td>${c.currency}</td><td class="num">${formatDecimal(c.total)}</td></tr>`)}</tbody></table>`;
  });

  const auditBody = async (request: FastifyRequest, verdict?: Awaited<ReturnType<typeof verifyAuditAndTransfers>>) => {
    const locale = request.console!.locale;
    const v = viewer(request);
    const recent = await deps.db.query<{ max: bigint | null }>('select max(id) as max from audit_events');
    const from = recent.rows[0].max === null ? 0n : recent.rows[0].max - BigInt(limits.consolePageRowsMax);
    const events = await listAuditEvents(deps.db, { afterId: from > 0n ? from : 0n, limit: limits.consolePageRowsMax });
    return html`<form method="post" action="/console/audit"><input type="hidden" name="_csrf" value="${v.csrfToken}" /><button type="submit">${t(locale, 'verify')}</button></form>
      ${verdict ? html`<p role="status" class="${verdict.ok ? 'ok' : 'error'}">${verdict.ok ? `${t(locale, 'chainOk')} (${verdict.events})` : `${t(locale, 'chainBroken')} ${verdict.firstBrokenEventId}`}</p>` : ''}
      ${eventsTable(locale, events.events.reverse())}`;
  };
  operatorPage('/console/audit', 'audit', (request) => auditBody(request));
  operatorPage('/console/audit', 'audit', async (request) => auditBody(request, await verifyAuditAndTransfers(deps.db)), 'post');

  operatorPage('/console/chunks', 'chunks', async (request) => {
    const locale = request.console!.locale;
    // Chunks not done whose next look is later than a lease away: status checks waiting on a rail,
    // or chunks RabbitMQ dead-lettered and the sweep has not taken yet.
    const rows = await deps.db.query<{ id: bigint; batch_id: string; seq_from: number; seq_to: number; due_at: Date; claimed_by: string | null }>(
      `select id, batch_id, seq_from, seq_to, due_at, claimed_by from work_chunks where done_at is null order by due_at limit $1`,
      [limits.consolePageRowsMax],
    );
    if (rows.rows.length === 0) return html`<p>${t(locale, 'none')}</p>`;
    return html`<table><thead><tr><th>#</th><th>${t(locale, 'batches')}</th><th>${t(locale, 'seqRange')}</th><th>${t(locale, 'due')}</th><th>${t(locale, 'leased')}</th></tr></thead>
      <tbody>${rows.rows.map((c) => html`<tr><td>${c.id}</td><td><a href="/console/batches/${c.batch_id}">${c.batch_id}</a></td><td>${c.seq_from}–${c.seq_to}</td><td>${c.due_at.toISOString()}</td><td>${c.claimed_by ?? ''}</td></tr>`)}</tbody></table>`;
  });

}
