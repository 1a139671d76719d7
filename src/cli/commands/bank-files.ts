import { type Command, Option } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from '../options.ts';
import { run } from '../output.ts';

/** `masspayout bank-files …`: the ISO 20022 rail's files and exceptions, and the re-issue of a rejected file (admin API). */
export function registerBankFileCommands(program: Command): void {
  const files = program.command('bank-files').description('files exchanged with the bank on the ISO 20022 rail (operator)');
  withAdminOptions(
    files
      .command('list')
      .description('the files, newest first, with their state (out: RECORDED, SUBMITTED, ACCEPTED, REJECTED, REISSUED; in: PROCESSED, REJECTED)')
      .addOption(new Option('--direction <direction>', 'only outgoing or incoming files').choices(['OUT', 'IN']))
      .option('--state <state>', 'only files in this state')
      .option('--limit <n>', 'how many (1..1000)', '100'),
  ).action(
    run(async (out, options: AdminOptions & { direction?: 'OUT' | 'IN'; state?: string; limit: string }) => {
      const client = await adminClient(options);
      const page = await client.bankFiles({ direction: options.direction, state: options.state, limit: Number(options.limit) });
      if (out.json) return out.data(page);
      if (page.files.length === 0) out.line('no bank files');
      for (const f of page.files) out.line(`${f.direction.padEnd(3)} ${f.state.padEnd(9)} ${f.name}  ${f.txCount} tx  ${f.ctrlSum}${f.reason ? `  (${f.reason})` : ''}`);
    }),
  );
  withAdminOptions(files.command('exceptions').description("what the bank's reports said that could not be applied").option('--limit <n>', 'how many (1..1000)', '100')).action(
    run(async (out, options: AdminOptions & { limit: string }) => {
      const client = await adminClient(options);
      const page = await client.bankExceptions({ limit: Number(options.limit) });
      if (out.json) return out.data(page);
      if (page.exceptions.length === 0) out.line('no exceptions');
      for (const e of page.exceptions) out.line(`${e.at}  ${e.kind}  ${e.fileName}${e.endToEndId ? `  ${e.endToEndId}` : ''}  ${e.detail}`);
    }),
  );
  withAdminOptions(files.command('reissue').description('put the transactions of a file the bank rejected whole into a new file, same EndToEndIds').argument('<msgId>', "the rejected file's MsgId")).action(
    run(async (out, msgId: string, options: AdminOptions) => {
      const client = await adminClient(options);
      const file = await client.reissueBankFile(msgId);
      if (out.json) return out.data(file);
      out.line(`${file.txCount} transaction(s) of ${msgId} re-issued in ${file.name}`);
    }),
  );
}
