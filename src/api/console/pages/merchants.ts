import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors.ts';
import type { Deps } from '../../deps.ts';
import { merchantBalances } from '../../../ledger/balances.ts';
import { depositToMerchant } from '../../../ledger/deposit.ts';
import { createMerchant, merchantById, setApprovalPolicy } from '../../../merchants/merchants.ts';
import { currencies, formatDecimal, isCurrency, parseMinor, parseRateE8 } from '../../../money.ts';
import { passwordProblem } from '../../../users/passwords.ts';
import { roles, type Role } from '../../../users/roles.ts';
import { createUser, emailPattern, usersOfMerchant } from '../../../users/users.ts';
import { html, type Html } from '../html.ts';
import { t } from '../i18n.ts';
import { page } from '../layout.ts';
import { checkCsrf, redirect, requireOperator, viewer } from '../viewer.ts';

const field = (request: FastifyRequest, name: string) => {
  const value = (request.body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.trim() : '';
};
const merchantIdOf = (request: FastifyRequest) => {
  const raw = (request.params as { id: string }).id;
  if (!/^\d{1,18}$/.test(raw)) throw new ApiError('MERCHANT_NOT_FOUND');
  return BigInt(raw);
};

/** The operator's merchant pages: create, commission, four-eyes rules, deposits, balances, users. */
export function merchantPages(scope: FastifyInstance, deps: Deps): void {
  const send = (request: FastifyRequest, reply: FastifyReply, title: string, body: Html) =>
    reply.type('text/html; charset=utf-8').send(page(request.console!.locale, viewer(request), title, body));

  scope.get('/console/merchants', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    const locale = request.console!.locale;
    const rows = await deps.db.query<{ id: bigint; name: string; commission_fixed_minor: bigint; commission_rate_e8: bigint; users: number }>(
      `select m.id, m.name, m.commission_fixed_minor, m.commission_rate_e8, (select count(*)::int from console_users u where u.merchant_id = m.id) as users
       from merchants m order by m.id desc limit 500`,
    );
    const body = html`
      <table><thead><tr><th>#</th><th>${t(locale, 'name')}</th><th>${t(locale, 'commission')}</th><th class="num">${t(locale, 'users')}</th></tr></thead>
      <tbody>${rows.rows.map((m) => html`<tr><td>${m.id}</td><td><a href="/console/merchants/${m.id}">${m.name}</a></td><td>${formatDecimal(m.commission_fixed_minor)} + ${Number(m.commission_rate_e8) / 1e8}</td><td class="num">${m.users}</td></tr>`)}</tbody></table>
      <form method="post" action="/console/merchants" class="card" aria-labelledby="create-merchant">
        <h2 id="create-merchant">${t(locale, 'createMerchant')}</h2>
        <input type="hidden" name="_csrf" value="${v.csrfToken}" />
        <label>${t(locale, 'name')} <input name="name" required maxlength="128" /></label>
        <label>${t(locale, 'fixedCommission')} <input name="fixed" inputmode="decimal" value="0" /></label>
        <label>${t(locale, 'rateCommission')} <input name="rate" inputmode="decimal" value="0" /></label>
        <button type="submit">${t(locale, 'create')}</button>
      </form>`;
    return send(request, reply, t(locale, 'merchants'), body);
  });

  scope.post('/console/merchants', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    checkCsrf(request, v);
    const locale = request.console!.locale;
    const name = field(request, 'name');
    const fixedMinor = parseMinor(field(request, 'fixed') || '0');
    const rateE8 = parseRateE8(field(request, 'rate') || '0');
    if (name.length < 1 || name.length > 128) throw new ApiError('INVALID_REQUEST', 'name: 1 to 128 characters');
    if (fixedMinor === undefined || rateE8 === undefined) throw new ApiError('INVALID_REQUEST', 'commission: a decimal ≥ 0 (rate at most 1)');
    const created = await deps.db.transaction((tx) => createMerchant(tx, deps.box, name, { fixedMinor, rateE8 }));
    const body = html`<p role="status">${t(locale, 'shownOnce')}</p>
      <dl class="facts"><dt>merchantId</dt><dd>${created.merchantId}</dd><dt>apiKey</dt><dd><code>${created.apiKey}</code></dd><dt>secretKey</dt><dd><code>${created.secretKey}</code></dd></dl>
      <p><a href="/console/merchants/${created.merchantId}">${name} →</a></p>`;
    return send(request, reply, name, body);
  });

  scope.get('/console/merchants/:id', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    const locale = request.console!.locale;
    const merchant = await merchantById(deps.db, merchantIdOf(request));
    if (!merchant) throw new ApiError('MERCHANT_NOT_FOUND');
    const [balances, users] = await Promise.all([merchantBalances(deps.db, merchant.id), usersOfMerchant(deps.db, merchant.id)]);
    const csrf = html`<input type="hidden" name="_csrf" value="${v.csrfToken}" />`;
    const body = html`
      <dl class="facts"><dt>merchantId</dt><dd>${merchant.id}</dd><dt>apiKey</dt><dd><code>${merchant.apiKey}</code></dd>
        <dt>${t(locale, 'commission')}</dt><dd>${formatDecimal(merchant.commission.fixedMinor)} + ${Number(merchant.commission.rateE8) / 1e8}</dd></dl>
      <p><a href="/console/batches?merchant=${merchant.id}">${t(locale, 'batches')} →</a></p>
      <section aria-labelledby="balances"><h2 id="balances">${t(locale, 'balances')}</h2>
        <table><thead><tr><th>${t(locale, 'currency')}</th><th class="num">${t(locale, 'available')}</th><th class="num">${t(locale, 'reserved')}</th></tr></thead>
        <tbody>${balances.map((b) => html`<tr><td>${b.currency}</td><td class="num">${formatDecimal(b.available)}</td><td class="num">${formatDecimal(b.reserved)}</td></tr>`)}</tbody></table>
        <form method="post" action="/console/merchants/${merchant.id}/deposits" class="card" aria-label="${t(locale, 'deposit')}">${csrf}
          <input type="hidden" name="idempotencyKey" value="${randomUUID()}" />
          <label>${t(locale, 'amount')} <input name="amount" inputmode="decimal" required /></label>
          <label>${t(locale, 'currency')} <select name="currency">${currencies.map((c) => html`<option>${c}</option>`)}</select></label>
          <button type="submit">${t(locale, 'deposit')}</button>
        </form></section>
      <section aria-labelledby="policy"><h2 id="policy">${t(locale, 'approvalPolicy')}</h2>
        <form method="post" action="/console/merchants/${merchant.id}/approval" class="card">${csrf}
          <label>${t(locale, 'threshold')} <input name="threshold" inputmode="decimal" value="${merchant.approval.thresholdMinor === null ? '' : formatDecimal(merchant.approval.thresholdMinor)}" /></label>
          <label class="check"><input type="checkbox" name="api" value="on" ${merchant.approval.apiBatchesNeedApproval ? 'checked' : ''} /> ${t(locale, 'apiApproval')}</label>
          <button type="submit">${t(locale, 'save')}</button>
        </form></section>
      <section aria-labelledby="users"><h2 id="users">${t(locale, 'users')}</h2>
        <table><thead><tr><th>${t(locale, 'email')}</th><th>${t(locale, 'role')}</th><th></th></tr></thead>
        <tbody>${users.map((u) => html`<tr><td>${u.email}</td><td>${u.role}</td><td>${u.lockedUntil && u.lockedUntil > new Date() ? `locked until ${u.lockedUntil.toISOString()}` : ''}</td></tr>`)}</tbody></table>
        <form method="post" action="/console/merchants/${merchant.id}/users" class="card" aria-labelledby="create-user">${csrf}
          <h3 id="create-user">${t(locale, 'createUser')}</h3>
          <label>${t(locale, 'email')} <input name="email" type="email" required /></label>
          <label>${t(locale, 'role')} <select name="role">${roles.map((r) => html`<option>${r}</option>`)}</select></label>
          <label>${t(locale, 'password')} <input name="password" type="password" autocomplete="new-password" required minlength="12" /></label>
          <button type="submit">${t(locale, 'createUser')}</button>
        </form></section>`;
    return send(request, reply, merchant.name, body);
  });

  scope.post('/console/merchants/:id/deposits', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    checkCsrf(request, v);
    const merchantId = merchantIdOf(request);
    const amount = parseMinor(field(request, 'amount'));
    const currency = field(request, 'currency');
    const idempotencyKey = field(request, 'idempotencyKey') || undefined;
    if (amount === undefined || amount <= 0n || !isCurrency(currency)) throw new ApiError('INVALID_REQUEST', 'amount > 0 and a currency');
    if (!(await merchantById(deps.db, merchantId))) throw new ApiError('MERCHANT_NOT_FOUND');
    const outcome = await deps.db.transaction((tx) => depositToMerchant(tx, { merchantId, amount, currency, idempotencyKey }));
    if (outcome === 'key-reused') throw new ApiError('IDEMPOTENCY_KEY_REUSED');
    return redirect(reply, `/console/merchants/${merchantId}`);
  });

  scope.post('/console/merchants/:id/approval', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    checkCsrf(request, v);
    const merchantId = merchantIdOf(request);
    const raw = field(request, 'threshold');
    const thresholdMinor = raw === '' ? null : parseMinor(raw);
    if (thresholdMinor === undefined) throw new ApiError('INVALID_REQUEST', 'threshold: a decimal ≥ 0, or empty');
    const saved = await deps.db.transaction((tx) => setApprovalPolicy(tx, merchantId, { thresholdMinor, apiBatchesNeedApproval: field(request, 'api') === 'on' }));
    if (!saved) throw new ApiError('MERCHANT_NOT_FOUND');
    return redirect(reply, `/console/merchants/${merchantId}`);
  });

  scope.post('/console/merchants/:id/users', { schema: { hide: true } }, async (request, reply) => {
    const v = viewer(request);
    requireOperator(v);
    checkCsrf(request, v);
    const locale = request.console!.locale;
    const merchantId = merchantIdOf(request);
    const email = field(request, 'email').toLowerCase();
    const role = field(request, 'role') as Role;
    const password = (request.body as Record<string, unknown>).password;
    if (!emailPattern.test(email)) throw new ApiError('INVALID_REQUEST', 'email');
    if (!roles.includes(role)) throw new ApiError('INVALID_REQUEST', `role: ${roles.join(', ')}`);
    const weak = typeof password === 'string' ? passwordProblem(password) : 'required';
    if (weak || typeof password !== 'string') throw new ApiError('INVALID_REQUEST', `password: ${weak}`);
    if (!(await merchantById(deps.db, merchantId))) throw new ApiError('MERCHANT_NOT_FOUND');
    const created = await deps.db.transaction((tx) => createUser(tx, deps.box, { merchantId, email, role, password }));
    if (created === 'EMAIL_TAKEN') throw new ApiError('EMAIL_TAKEN');
    const body = html`<p role="status">${t(locale, 'shownOnce')}</p>
      <dl class="facts"><dt>${t(locale, 'email')}</dt><dd>${created.email}</dd><dt>${t(locale, 'role')}</dt><dd>${created.role}</dd>
      <dt>${t(locale, 'totpSecret')}</dt><dd><code data-totp-secret>${created.totpSecret}</code></dd><dt>otpauth</dt><dd><code>${created.totpUri}</code></dd></dl>
      <p><a href="/console/merchants/${merchantId}">←</a></p>`;
    return send(request, reply, t(locale, 'createUser'), body);
  });
}
