import { Type } from 'typebox';
import { depositToMerchant } from '../../ledger/deposit.ts';
import { merchantBalances } from '../../ledger/balances.ts';
import { limits } from '../../limits.ts';
import { merchantById } from '../../merchants/merchants.ts';
import { currencies, isCurrency, parseMinor, formatDecimal } from '../../money.ts';
import { ApiError } from '../errors.ts';
import { DecimalInput, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const DepositBody = Type.Object(
  { amount: DecimalInput, currency: Type.Union(currencies.map((c) => Type.Literal(c))) },
  { additionalProperties: false },
);

export const BalanceLine = Type.Object({ currency: Type.String(), available: Type.String(), reserved: Type.String() });

const DepositResult = Type.Object({
  merchantId: Type.Integer(),
  currency: Type.String(),
  available: Type.String({ description: 'decimal string' }),
  balances: Type.Array(BalanceLine),
});

export function adminDepositRoutes(app: ApiServer, deps: Deps): void {
  app.post(
    '/admin/v1/merchants/:merchantId/deposits',
    {
      schema: {
        tags: ['admin'],
        summary: "Deposit money to a merchant's available balance",
        description:
          'With an `Idempotency-Key` header (1-128 characters) the deposit is made once per merchant and key: a retry with the same amount and currency answers 201 with the current balance and moves no money; the same key with another amount or currency is refused with 7003.',
        security: [{ adminToken: [] }],
        params: Type.Object({ merchantId: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: limits.idempotencyKeyCharsMax })) }),
        body: DepositBody,
        response: responses(DepositResult, 201),
      },
    },
    async (request, reply) => {
      const merchantId = BigInt(request.params.merchantId);
      const amount = parseMinor(request.body.amount);
      if (amount === undefined || amount <= 0n) throw new ApiError('INVALID_REQUEST', 'amount must be a decimal > 0 with at most 2 fraction digits');
      if (amount > limits.depositAmountMinorMax) throw new ApiError('DEPOSIT_TOO_LARGE', `at most ${formatDecimal(limits.depositAmountMinorMax)}`);
      if (!isCurrency(request.body.currency)) throw new ApiError('INVALID_REQUEST', 'currency must be TRY, USD or EUR');
      if (!(await merchantById(deps.db, merchantId))) throw new ApiError('MERCHANT_NOT_FOUND');
      const currency = request.body.currency;
      const idempotencyKey = request.headers['idempotency-key'];
      const outcome = await deps.db.transaction((tx) => depositToMerchant(tx, { merchantId, amount, currency, idempotencyKey }));
      if (outcome === 'key-reused') throw new ApiError('IDEMPOTENCY_KEY_REUSED');
      if (outcome === 'balance-limit') throw new ApiError('BALANCE_LIMIT_EXCEEDED', `at most ${formatDecimal(limits.balanceMinorMax)}`);
      const balances = await merchantBalances(deps.db, merchantId);
      reply.status(201);
      return {
        merchantId: Number(merchantId),
        currency,
        available: formatDecimal(balances.find((b) => b.currency === currency)?.available ?? 0n),
        balances: balances.map((b) => ({ currency: b.currency, available: formatDecimal(b.available), reserved: formatDecimal(b.reserved) })),
      };
    },
  );
}
