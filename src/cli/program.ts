import { Command } from 'commander';
import { registerBalanceCommand } from './commands/balance.ts';
import { registerBankFileCommands } from './commands/bank-files.ts';
import { registerBankSimulatorCommand } from './commands/bank-simulator.ts';
import { registerHealthCommand } from './commands/health.ts';
import { registerItemsCommand } from './commands/items.ts';
import { registerOperatorCommands } from './commands/operator.ts';
import { registerServiceCommands } from './commands/service.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerSubmitCommand } from './commands/submit.ts';

/**
 * The `masspayout` command tree. One file per command group under ./commands:
 *   service.ts   serve, worker, migrate
 *   operator.ts  merchant create, deposit, member add, ledger check, audit verify (admin API)
 *   submit.ts, status.ts, items.ts, balance.ts   the merchant API
 *   health.ts    is the service up
 *   bank-files.ts       the ISO 20022 rail's files, exceptions, re-issue (admin API)
 *   bank-simulator.ts   a simulated bank for the ISO 20022 rail (a separate process)
 */
export function buildProgram(): Command {
  const program = new Command('masspayout')
    .description("Mass payout engine speaking iyzico's Mass Payout API")
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServiceCommands(program);
  registerOperatorCommands(program);
  registerSubmitCommand(program);
  registerStatusCommand(program);
  registerItemsCommand(program);
  registerBalanceCommand(program);
  registerHealthCommand(program);
  registerBankFileCommands(program);
  registerBankSimulatorCommand(program);
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}
