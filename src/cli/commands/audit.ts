import type { Command } from 'commander';
import type { AuditEvent } from '../../client/admin.ts';
import { type AdminOptions, adminClient, uuid, withAdminOptions } from '../options.ts';
import { CliFailure, run } from '../output.ts';
import { taskBar } from '../task-bar.ts';

const csvColumns = ['id', 'at', 'actor', 'action', 'entity', 'before', 'after', 'hash'] as const;

/**
 * `audit verify` and `audit list [--request-id ID] [--csv]`. The list streams: events are fetched a
 * page at a time and written as they arrive, so the trail of a 100,000-item batch never sits in
 * memory. Amounts inside events are minor units (kuruş, cents), as they were hashed.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit trail (operator)');
  withAdminOptions(audit.command('verify').description("recompute every merchant's audit chain (exit 1 when an event was altered)")).action(
    run(async (out, options: AdminOptions) => {
      const client = await adminClient(options);
      const result = await client.verifyAudit();
      if (!result.ok) throw new CliFailure('CLI_AUDIT_BROKEN', `event ${result.firstBrokenEventId}`, { ok: false, firstBrokenEventId: result.firstBrokenEventId });
      if (out.json) return out.data(result);
      out.line('the audit trail is intact');
    }),
  );

  withAdminOptions(
    audit
      .command('list')
      .description('every audit event in the order written, or those of one batch (amounts in minor units, as hashed)')
      .option('--request-id <requestId>', 'only the events of this batch', uuid)
      .option('--csv', `CSV: ${csvColumns.join(',')} (before and after as JSON)`),
  ).action(
    run(async (out, options: AdminOptions & { requestId?: string; csv?: boolean }) => {
      const format = options.csv ? 'csv' : out.json ? 'json' : 'text';
      const write = (text: string) => process.stdout.write(text);
      // The CSV writer is loaded by the command that writes CSV, not by every start of the CLI.
      const stringify = format === 'csv' ? (await import('csv-stringify/sync')).stringify : undefined;
      const bar = taskBar('listing', 'events', 0);
      let count = 0;
      if (stringify) write(stringify([csvColumns as unknown as string[]]));
      if (format === 'json') write('[');
      try {
        const client = await adminClient(options);
        for await (const event of client.auditEvents(options.requestId ? { requestId: options.requestId } : {})) {
          if (stringify) write(csvLine(stringify, event));
          else if (format === 'json') write((count === 0 ? '\n' : ',\n') + JSON.stringify(event));
          else write(`${event.id}\t${event.at}\t${event.actor}\t${event.action}\t${event.entity}\n`);
          if (++count % 1000 === 0) bar.update(count);
        }
      } finally {
        bar.stop();
      }
      if (format === 'json') write(count === 0 ? ']\n' : '\n]\n');
      if (format === 'text') process.stderr.write(`${count} event${count === 1 ? '' : 's'}\n`);
    }),
  );
}

function csvLine(stringify: (rows: unknown[][]) => string, event: AuditEvent): string {
  return stringify([[event.id, event.at, event.actor, event.action, event.entity, JSON.stringify(event.before), JSON.stringify(event.after), event.hash]]);
}
