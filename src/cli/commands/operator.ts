import { randomUUID } from 'node:crypto';
import { type Command, Option } from 'commander';
import type { StatusVocabulary } from '../../client/admin.ts';
import { balancesJson } from '../json-views.ts';
import { formatMoney, jsonMoney } from '../money.ts';
import { type AdminOptions, adminClient, decimalAmount, withAdminOptions } from '../options.ts';
import { CliFailure, run } from '../output.ts';

/** Operator commands over the admin API (/admin/v1, bearer token). */
export function registerOperatorCommands(program: Command): void {
  const merchant = program.command('merchant').description('merchants (operator)');
  withAdminOptions(
    merchant
      .command('create')
      .description('create a merchant and print its API key and secret key (the secret is shown once)')
      .requiredOption('--name <name>', "the merchant's name")
      .option('--commission-fixed <amount>', 'commission per paid item, fixed part, e.g. 1.50')
      .option('--commission-rate <rate>', 'commission per paid item, share of its amount, e.g. 0.01 for 1 %')
      .addOption(statusVocabularyOption()),
  ).action(
    run(async (out, options: AdminOptions & { name: string; commissionFixed?: string; commissionRate?: string; statusVocabulary?: StatusVocabulary }) => {
      const commission = {
        ...(options.commissionFixed !== undefined ? { fixed: options.commissionFixed } : {}),
        ...(options.commissionRate !== undefined ? { rate: options.commissionRate } : {}),
      };
      const client = await adminClient(options);
      const created = await client.createMerchant({
        name: options.name,
        ...(Object.keys(commission).length ? { commission } : {}),
        ...(options.statusVocabulary ? { statusVocabulary: options.statusVocabulary } : {}),
      });
      if (out.json) return out.data(created);
      out.line(`merchant ${created.merchantId} created (status vocabulary: ${created.statusVocabulary})`);
      out.line(`apiKey:    ${created.apiKey}`);
      out.line(`secretKey: ${created.secretKey}`);
      out.line('Store the secret key now: it is not shown again. The merchant commands read both from');
      out.line(`  export MASSPAYOUT_API_KEY=${created.apiKey}`);
      out.line(`  export MASSPAYOUT_SECRET_KEY=${created.secretKey}`);
    }),
  );

  withAdminOptions(
    merchant
      .command('update')
      .description("change a merchant's settings")
      .requiredOption('--merchant <id>', "the merchant's id")
      .addOption(statusVocabularyOption().makeOptionMandatory()),
  ).action(
    run(async (out, options: AdminOptions & { merchant: string; statusVocabulary: StatusVocabulary }) => {
      const client = await adminClient(options);
      const updated = await client.updateMerchant(options.merchant, { statusVocabulary: options.statusVocabulary });
      if (out.json) return out.data(updated);
      out.line(`merchant ${updated.merchantId} (${updated.name}): status vocabulary ${updated.statusVocabulary}`);
    }),
  );

  withAdminOptions(
    program
      .command('deposit')
      .description("add money to a merchant's available balance")
      .requiredOption('--merchant <id>', "the merchant's id")
      .requiredOption('--amount <amount>', 'decimal amount, e.g. 250000.00', decimalAmount)
      .addOption(new Option('--currency <currency>', 'currency').choices(['TRY', 'USD', 'EUR']).default('TRY'))
      .option('--idempotency-key <key>', 'makes the deposit once however often the command runs with this key (default: a new key per run, so retries within the run are safe)'),
  ).action(
    run(async (out, options: AdminOptions & { merchant: string; amount: string; currency: string; idempotencyKey?: string }) => {
      const key = options.idempotencyKey ?? randomUUID();
      const client = await adminClient(options);
      const result = await client.deposit(options.merchant, { amount: options.amount, currency: options.currency }, key);
      if (out.json) return out.data({ ...result, available: jsonMoney(result.available), balances: balancesJson(result.balances) });
      const deposited = formatMoney(options.amount, options.currency, options.locale);
      out.line(`deposited ${deposited} to merchant ${result.merchantId}; available: ${formatMoney(result.available, result.currency, options.locale)}`);
    }),
  );

  const member = program.command('member').description('wallet members (operator)');
  withAdminOptions(
    member
      .command('add')
      .description('register a wallet member that MEMBER_ID, PHONE and IDENTITY_NUMBER payouts can reach')
      .requiredOption('--member-id <id>', 'member id (digits)')
      .requiredOption('--name <name>', "the member's name")
      .option('--phone <e164>', 'phone number in E.164, e.g. +905321234567')
      .option('--identity-number <tckn>', 'Turkish identity number (11 digits)'),
  ).action(
    run(async (out, options: AdminOptions & { memberId: string; name: string; phone?: string; identityNumber?: string }) => {
      const client = await adminClient(options);
      const added = await client.addMember({
        memberId: options.memberId,
        name: options.name,
        ...(options.phone !== undefined ? { phone: options.phone } : {}),
        ...(options.identityNumber !== undefined ? { identityNumber: options.identityNumber } : {}),
      });
      if (out.json) return out.data(added);
      out.line(`member ${added.memberId} (${added.name}) registered`);
    }),
  );

  const ledger = program.command('ledger').description('the double-entry ledger (operator)');
  withAdminOptions(ledger.command('check').description('check that every currency balances to 0 (exit 1 when not)')).action(
    run(async (out, options: AdminOptions) => {
      const client = await adminClient(options);
      const trial = await client.trialBalance();
      const currencies = trial.currencies.map((c) => ({ currency: c.currency, total: jsonMoney(c.total) }));
      const totals = trial.currencies.map((c) => formatMoney(c.total, c.currency, options.locale)).join(', ') || 'no money yet';
      if (!trial.balanced) throw new CliFailure('CLI_LEDGER_UNBALANCED', totals, { balanced: false, currencies });
      if (out.json) return out.data({ balanced: true, currencies });
      out.line(`the ledger balances (${totals})`);
    }),
  );
}

function statusVocabularyOption(): Option {
  return new Option(
    '--status-vocabulary <vocabulary>',
    "batch statuses on the merchant's wire: documented (the public docs' values) or java (only those iyzico's Java client knows: PUBLISHED_TO_QUEUE shown as IN_PROGRESS)",
  ).choices(['documented', 'java']);
}
