import { merchantBalances } from '../../ledger/balances.ts';
import { formatDecimal } from '../../money.ts';
import { BalanceResponse, paths } from '../../wire/contract.ts';
import { success } from '../envelope.ts';
import { merchantOf } from '../merchant-auth.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

/** The currency whose available amount is `balance` (iyzico's field is a single TRY figure). */
const balanceCurrency = 'TRY';

/**
 * GET /v1/mass/payout/balance: `balance` is the available TRY as a decimal string ("0" when the
 * merchant holds none); `balances` lists available and reserved for every currency it holds. Any
 * body (the Node client sends `{}`, the Python client `null`) is signed but otherwise ignored.
 */
export function balanceRoute(app: ApiServer, deps: Deps): void {
  app.get(
    paths.balance,
    {
      schema: {
        tags: ['mass payout'],
        summary: "The merchant's balances",
        security: [{ IYZWSv2: [] }],
        querystring: LocaleQuery,
        response: responses(BalanceResponse),
      },
    },
    async (request) => {
      const balances = await merchantBalances(deps.db, merchantOf(request).id);
      const available = balances.find((b) => b.currency === balanceCurrency)?.available ?? 0n;
      return success(request, {
        balance: formatDecimal(available),
        balances: balances.map((b) => ({ currency: b.currency, available: formatDecimal(b.available), reserved: formatDecimal(b.reserved) })),
      });
    },
  );
}
