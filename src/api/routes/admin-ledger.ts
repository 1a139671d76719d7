import { Type } from 'typebox';
import { trialBalance } from '../../ledger/balances.ts';
import { formatDecimal } from '../../money.ts';
import { responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';

const TrialBalance = Type.Object({
  balanced: Type.Boolean({ description: 'true when Σ of every account is 0 in every currency' }),
  currencies: Type.Array(Type.Object({ currency: Type.String(), total: Type.String({ description: 'decimal string; "0" when balanced' }) })),
});

/** GET /admin/v1/ledger/trial-balance: the double-entry check, per currency. */
export function adminLedgerRoutes(app: ApiServer, deps: Deps): void {
  app.get(
    '/admin/v1/ledger/trial-balance',
    { schema: { tags: ['admin'], summary: 'Σ of every ledger account per currency (0 when the books balance)', security: [{ adminToken: [] }], response: responses(TrialBalance) } },
    async () => {
      const trial = await trialBalance(deps.db);
      return { balanced: trial.balanced, currencies: trial.currencies.map((c) => ({ currency: c.currency, total: formatDecimal(c.total) })) };
    },
  );
}
