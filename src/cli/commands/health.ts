import { setTimeout as delay } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { exchange } from '../../client/http.ts';
import { type ConnectionOptions, serviceUrl, seconds, withConnection } from '../options.ts';
import { CliFailure, run } from '../output.ts';

/** `health [--wait S]`: is the service up (GET /healthz)? With --wait, until it is — for scripts. */
export function registerHealthCommand(program: Command): void {
  withConnection(
    program
      .command('health')
      .description('check that the service answers (GET /healthz); with --wait, wait until it does')
      .addOption(new Option('--wait <seconds>', 'keep asking (every 0.2 s) for up to this long').argParser(seconds)),
  ).action(
    run(async (out, options: ConnectionOptions & { wait?: number }) => {
      const url = new URL('/healthz', serviceUrl(options));
      const deadline = Date.now() + (options.wait ?? 0) * 1000;
      for (;;) {
        try {
          await exchange({ method: 'GET', url, headers: {}, timeoutMs: options.timeout * 1000, success: 'plain' });
          if (out.json) return out.data({ status: 'ok', url: url.origin });
          return out.line(`${url.origin} is up`);
        } catch (error) {
          if (Date.now() >= deadline) throw new CliFailure('CLI_SERVICE_DOWN', `${url.origin} (${error instanceof Error ? error.message : String(error)})`);
          await delay(200);
        }
      }
    }),
  );
}
