import { setTimeout as delay } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import { MassPayoutError } from '../../client/errors.ts';
import { type ConnectionOptions, serviceUrl, seconds, withConnection } from '../options.ts';
import { CliFailure, run } from '../output.ts';

interface Readiness {
  status: string;
  database?: string;
  broker?: string;
}

/**
 * `health [--wait S]`: is the service ready (GET /readyz: it answers, and so do its database and,
 * with QUEUE_URL, its broker)? With --wait, until it is — for scripts, which would otherwise send
 * their first request to a service that can only answer 503.
 */
export function registerHealthCommand(program: Command): void {
  withConnection(
    program
      .command('health')
      .description('check that the service is ready (GET /readyz: its database and broker answer); with --wait, wait until it is')
      .addOption(new Option('--wait <seconds>', 'keep asking (every 0.2 s) for up to this long').argParser(seconds)),
  ).action(
    run(async (out, options: ConnectionOptions & { wait?: number }) => {
      // The HTTP client (node:http and node:https with it) is loaded by the commands that call out.
      const { exchange } = await import('../../client/http.ts');
      const url = new URL('/readyz', serviceUrl(options));
      const deadline = Date.now() + (options.wait ?? 0) * 1000;
      for (;;) {
        try {
          const ready = await exchange<Readiness>({ method: 'GET', url, headers: {}, timeoutMs: options.timeout * 1000, success: 'plain' });
          if (out.json) return out.data({ ...ready, url: url.origin });
          return out.line(`${url.origin} is ready`);
        } catch (error) {
          if (Date.now() >= deadline) throw failureOf(url, error);
          await delay(200);
        }
      }
    }),
  );
}

/** A 503 from /readyz is a service that is up without its dependencies; anything else is no answer. */
function failureOf(url: URL, error: unknown): CliFailure {
  if (error instanceof MassPayoutError && error.httpStatus === 503) return new CliFailure('CLI_SERVICE_NOT_READY', `${url.origin}/readyz answered 503`);
  return new CliFailure('CLI_SERVICE_DOWN', `${url.origin} (${error instanceof Error ? error.message : String(error)})`);
}
