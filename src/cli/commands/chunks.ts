import type { Command } from 'commander';
import { type AdminOptions, adminClient, withAdminOptions } from '../options.ts';
import { run } from '../output.ts';

/** `masspayout chunks …`: work chunks parked after failing too often, and putting one back to work (admin API). */
export function registerChunkCommands(program: Command): void {
  const chunks = program.command('chunks').description('work chunks parked after failing too often (operator); their items keep their state and money');
  withAdminOptions(
    chunks
      .command('parked')
      .description('the parked chunks, oldest first, with their last error')
      .option('--limit <n>', 'how many (1..1000)', '100')
      .option('--after-id <id>', 'the nextAfterId of the previous page'),
  ).action(
    run(async (out, options: AdminOptions & { limit: string; afterId?: string }) => {
      const client = await adminClient(options);
      const page = await client.parkedChunks({ limit: Number(options.limit), afterId: options.afterId });
      if (out.json) return out.data(page);
      if (page.chunks.length === 0) out.line('no parked chunks');
      for (const c of page.chunks) {
        out.line(`chunk ${c.id}  batch ${c.requestId}  items ${c.seqFrom}..${c.seqTo}  ${c.failures} failure(s)  parked ${c.parkedAt}${c.lastError ? `  ${c.lastError}` : ''}`);
      }
      if (page.nextAfterId) out.line(`more: --after-id ${page.nextAfterId}`);
    }),
  );
  withAdminOptions(chunks.command('retry').description('make a parked chunk due again, its failure count reset').argument('<chunkId>', "the chunk's id (from `chunks parked`)")).action(
    run(async (out, chunkId: string, options: AdminOptions) => {
      const client = await adminClient(options);
      const retried = await client.retryParkedChunk(chunkId);
      if (out.json) return out.data(retried);
      out.line(`chunk ${retried.id} is due again`);
    }),
  );
}
