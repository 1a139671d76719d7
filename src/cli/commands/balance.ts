import type { Command } from 'commander';
import { balancesJson } from '../json-views.ts';
import { formatAmount, jsonMoney } from '../money.ts';
import { type MerchantOptions, merchantClient, withMerchantOptions } from '../options.ts';
import { run } from '../output.ts';

/** `balance`: the merchant's available and reserved money per currency. */
export function registerBalanceCommand(program: Command): void {
  withMerchantOptions(program.command('balance').description("show the merchant's available and reserved balance per currency")).action(
    run(async (out, options: MerchantOptions) => {
      const client = await merchantClient(options);
      const response = await client.balance();
      if (out.json) return out.data({ balance: jsonMoney(response.balance), balances: balancesJson(response.balances) });
      if (response.balances.length === 0) return out.line('no balance yet');
      for (const b of response.balances) {
        out.line(`${b.currency}: ${formatAmount(b.available, options.locale)} available, ${formatAmount(b.reserved, options.locale)} reserved`);
      }
    }),
  );
}
