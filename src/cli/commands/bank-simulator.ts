import type { Command } from 'commander';
import { run } from '../output.ts';

/** `masspayout bank-simulator`: a bank that reads pain.001 files and answers with pain.002 and camt.054 (src/bank-simulator/). */
export function registerBankSimulatorCommand(program: Command): void {
  program
    .command('bank-simulator')
    .description("a simulated bank for the ISO 20022 rail: reads the engine's pain.001 files in --outbox, answers in --inbox (IBAN ending 99: rejected AC04; 98: pending, then paid; 97: paid, then returned AC06; others: paid)")
    .requiredOption('--outbox <dir>', "the engine's outbox (MASSPAYOUT_ISO20022_OUTBOX_DIR)")
    .requiredOption('--inbox <dir>', "the engine's inbox (MASSPAYOUT_ISO20022_INBOX_DIR)")
    .option('--state <dir>', 'where it remembers the files it read and the answers it owes (default: <outbox>/.bank-simulator)')
    .option('--poll-ms <ms>', 'how often it looks for new files and sends the answers due', '200')
    .option('--pending-ms <ms>', 'how long a payment to an IBAN ending 98 stays pending', '2000')
    .option('--return-after-ms <ms>', 'how long after its payment an IBAN ending 97 is returned', '3000')
    .action(
      run(async (out, options: { outbox: string; inbox: string; state?: string; pollMs: string; pendingMs: string; returnAfterMs: string }) => {
        const { runBankSimulator } = await import('../../bank-simulator/simulator.ts');
        const stopping = new AbortController();
        process.once('SIGTERM', () => stopping.abort());
        process.once('SIGINT', () => stopping.abort());
        const ms = (value: string, name: string) => {
          const n = Number(value);
          if (!Number.isSafeInteger(n) || n < 0 || n > 3_600_000) throw new Error(`${name} must be 0..3600000 ms, got "${value}"`);
          return n;
        };
        out.note(`bank simulator: reading ${options.outbox}, answering in ${options.inbox}`);
        await runBankSimulator(
          { outboxDir: options.outbox, inboxDir: options.inbox, stateDir: options.state, pollMs: Math.max(1, ms(options.pollMs, '--poll-ms')), pendingMs: ms(options.pendingMs, '--pending-ms'), returnAfterMs: ms(options.returnAfterMs, '--return-after-ms'), log: (line) => out.note(line) },
          stopping.signal,
        );
      }),
    );
}
