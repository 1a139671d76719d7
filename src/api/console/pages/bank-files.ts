import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.ts';
import { limits } from '../../../limits.ts';
import { formatDecimal } from '../../../money.ts';
import { listBankExceptions, listBankFiles } from '../../../rails/iso20022/bank-files.ts';
import { html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { requireOperator, viewer } from '../viewer.ts';

/** What bank_files.state may be (migration 012's CHECK), by direction. */
const states = { OUT: ['RECORDED', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'REISSUED'], IN: ['PROCESSED', 'REJECTED'] } as const;
const allStates = [...new Set([...states.OUT, ...states.IN])];

const q = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
const idOf = (text: string | undefined) => (text && /^\d{1,18}$/.test(text) ? BigInt(text) : undefined);

/**
 * The ISO 20022 rail's files, as the admin API lists them: every file out (pain.001) and in
 * (pain.002, camt.054) with its state, transaction count and control sum, and what the bank's
 * reports said that could not be applied. Empty, and saying so, when the rail is not in use.
 */
export function bankFilePages(scope: FastifyInstance, deps: Deps): void {
  scope.get('/console/bank-files', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    const locale = request.console!.locale;
    const query = q(request);
    const direction = query.direction === 'OUT' || query.direction === 'IN' ? query.direction : undefined;
    const state = allStates.includes(query.state as (typeof allStates)[number]) ? query.state : undefined;
    const [files, exceptions] = await Promise.all([
      listBankFiles(deps.db, { direction, state, beforeId: idOf(query.beforeId), limit: limits.consolePageRowsMax }),
      listBankExceptions(deps.db, { beforeId: idOf(query.exceptionsBeforeId), limit: limits.consolePageRowsMax }),
    ]);
    const keep = (extra: Record<string, string>) =>
      '?' + new URLSearchParams({ ...(direction ? { direction } : {}), ...(state ? { state } : {}), ...extra }).toString();
    const body = html`
      <p>${t(locale, 'bankFilesIntro')}</p>
      <form method="get" class="filters" role="search" aria-label="${t(locale, 'filter')}">
        <label>${t(locale, 'direction')} <select name="direction"><option value="">${t(locale, 'all')}</option>${(['OUT', 'IN'] as const).map((d) => html`<option value="${d}" ${d === direction ? 'selected' : ''}>${t(locale, d === 'OUT' ? 'directionOut' : 'directionIn')}</option>`)}</select></label>
        <label>${t(locale, 'state')} <select name="state"><option value="">${t(locale, 'all')}</option>${allStates.map((s) => html`<option ${s === state ? 'selected' : ''}>${s}</option>`)}</select></label>
        <button type="submit">${t(locale, 'filter')}</button>
      </form>
      <section aria-labelledby="files-heading"><h2 id="files-heading">${t(locale, 'files')}</h2>
      ${files.files.length === 0
        ? html`<p>${t(locale, 'none')}</p>`
        : html`<table><thead><tr><th class="num">#</th><th>${t(locale, 'direction')}</th><th>${t(locale, 'fileName')}</th><th>${t(locale, 'message')}</th><th>${t(locale, 'state')}</th><th class="num">${t(locale, 'transactions')}</th><th class="num">${t(locale, 'controlSum')}</th><th>${t(locale, 'reason')}</th><th>${t(locale, 'updated')}</th></tr></thead>
          <tbody>${files.files.map((f) => html`<tr data-bank-file="${f.name}"><td class="num">${f.id}</td><td>${t(locale, f.direction === 'OUT' ? 'directionOut' : 'directionIn')}</td><td><code>${f.name}</code>${f.msgId ? html`<br /><small>MsgId ${f.msgId}</small>` : ''}</td><td>${f.message}</td><td><span class="badge">${f.state}</span>${f.reissueOf !== null ? html`<br /><small>${t(locale, 'reissueOf')} #${f.reissueOf}</small>` : ''}</td><td class="num">${f.txCount}</td><td class="num">${f.direction === 'OUT' ? formatDecimal(f.ctrlSum) : ''}</td><td>${f.reason ?? ''}</td><td>${f.updatedAt.toISOString()}</td></tr>`)}</tbody></table>
          ${files.nextBeforeId !== undefined ? html`<p><a href="${keep({ beforeId: String(files.nextBeforeId) })}" rel="next">${t(locale, 'older')}</a></p>` : ''}`}
      </section>
      <section aria-labelledby="exceptions-heading"><h2 id="exceptions-heading">${t(locale, 'bankExceptions')}</h2>
      ${exceptions.exceptions.length === 0
        ? html`<p>${t(locale, 'none')}</p>`
        : html`<table><thead><tr><th>${t(locale, 'at')}</th><th>${t(locale, 'fileName')}</th><th>EndToEndId</th><th>${t(locale, 'kind')}</th><th>${t(locale, 'detail')}</th></tr></thead>
          <tbody>${exceptions.exceptions.map((e) => html`<tr><td>${e.at.toISOString()}</td><td><code>${e.fileName}</code></td><td>${e.endToEndId ?? ''}</td><td>${e.kind}</td><td>${e.detail}</td></tr>`)}</tbody></table>
          ${exceptions.nextBeforeId !== undefined ? html`<p><a href="${keep({ exceptionsBeforeId: String(exceptions.nextBeforeId) })}" rel="next">${t(locale, 'older')}</a></p>` : ''}`}
      </section>`;
    return reply.type('text/html; charset=utf-8').send(page(locale, v, t(locale, 'bankFiles'), body));
  });
}
