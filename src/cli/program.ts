import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { errors, type Locale } from '../errors.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerBalanceCommand } from './commands/balance.ts';
import { registerBankFileCommands } from './commands/bank-files.ts';
import { registerBankSimulatorCommand } from './commands/bank-simulator.ts';
import { registerBatchActionCommands } from './commands/batch-actions.ts';
import { registerChunkCommands } from './commands/chunks.ts';
import { registerDevCertCommand } from './commands/dev-cert.ts';
import { registerHealthCommand } from './commands/health.ts';
import { registerItemsCommand } from './commands/items.ts';
import { registerOperatorCommands } from './commands/operator.ts';
import { registerServiceCommands } from './commands/service.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerSubmitCommand } from './commands/submit.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';

/**
 * The `masspayout` command tree. One file per command group under ./commands:
 *   service.ts        serve, worker, migrate
 *   dev-cert.ts       a self-signed certificate for HTTPS on this machine
 *   operator.ts       merchant create, deposit, member add, ledger check (admin API)
 *   audit.ts          audit verify, audit list (admin API)
 *   submit.ts, status.ts, items.ts, balance.ts   the merchant API
 *   batch-actions.ts  auth, cancel, item
 *   health.ts    is the service up
 *   bank-files.ts       the ISO 20022 rail's files, exceptions, re-issue (admin API)
 *   bank-simulator.ts   a simulated bank for the ISO 20022 rail (a separate process)
 */
export function buildProgram(argv: readonly string[] = process.argv): Command {
  const locale = localeIn(argv);
  const program = new Command('masspayout')
    .description("Mass payout engine speaking iyzico's Mass Payout API")
    .version(packageVersion(), '-V, --version', 'print the version')
    // A wrong command line is one line too, with its code, in the --locale asked for (exit 2).
    .configureOutput({ outputError: (text, write) => write(`masspayout: ${usageLine(text, locale)}\n`) })
    .exitOverride();
  registerServiceCommands(program);
  registerDevCertCommand(program);
  registerOperatorCommands(program);
  registerAuditCommands(program);
  registerSubmitCommand(program);
  registerBatchActionCommands(program);
  registerStatusCommand(program);
  registerItemsCommand(program);
  registerBalanceCommand(program);
  registerHealthCommand(program);
  registerBankFileCommands(program);
  registerChunkCommands(program);
  registerBankSimulatorCommand(program);
  registerWebhookCommands(program);
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function usageLine(text: string, locale: Locale): string {
  const what = text.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
  const hint = locale === 'tr' ? 'kullanım: --help' : 'usage: --help';
  return `${errors.CLI_USAGE.code} ${errors.CLI_USAGE[locale]}: ${what} (${hint})`;
}

/** The --locale of a command line that may not parse (so usage errors can follow it too). */
function localeIn(argv: readonly string[]): Locale {
  const at = argv.findIndex((arg) => arg === '--locale' || arg.startsWith('--locale='));
  const value = at < 0 ? undefined : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  return value === 'tr' ? 'tr' : 'en';
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}
