import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { AdminClient } from '../client/admin.ts';
import type { MassPayoutClient } from '../client/client.ts';
import type { Locale } from '../client/types.ts';
import { parseMinor } from '../money.ts';
import { CliFailure } from './output.ts';

/**
 * Options shared by the commands that talk to a running service. Credentials come from flags or the
 * environment; the environment is the better place for secrets (flags show in `ps`).
 */

export interface CommonOptions {
  json?: boolean;
  locale: Locale;
}

export interface ConnectionOptions extends CommonOptions {
  url?: string;
  timeout: number;
}

export interface MerchantOptions extends ConnectionOptions {
  apiKey?: string;
  secretKey?: string;
}

export interface AdminOptions extends ConnectionOptions {
  token?: string;
}

/** --url or MASSPAYOUT_URL; else this machine, on the port `serve` would use (PORT, default 8080). */
export function serviceUrl(options: ConnectionOptions): string {
  return options.url ?? `http://127.0.0.1:${process.env.PORT || 8080}`;
}

export function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return parsed;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A requestId or referenceCode: checked here, so a typo is a command-line mistake (exit 2), not a 400. */
export function uuid(value: string): string {
  if (!uuidPattern.test(value)) throw new InvalidArgumentError('expected an id like 3f2b8c1e-5d4a-4c7b-9e21-0a6d5f8b7c93');
  return value.toLowerCase();
}

/** A decimal amount > 0 with at most two fraction digits, e.g. 250000.00 (the text is sent as given). */
export function decimalAmount(value: string): string {
  const minor = parseMinor(value);
  if (minor === undefined || minor <= 0n) throw new InvalidArgumentError('expected an amount > 0 with at most two fraction digits, e.g. 250000.00');
  return value.trim();
}

/** --json and --locale: every command has them. */
export function withJson(command: Command): Command {
  return command
    .option('--json', 'print machine-readable JSON on stdout')
    .addOption(new Option('--locale <locale>', 'language of the messages').choices(['tr', 'en']).default('en'));
}

export function withConnection(command: Command): Command {
  return withJson(
    command
      .addOption(new Option('--url <url>', 'base URL of the service (default: http://127.0.0.1:$PORT, PORT defaulting to 8080)').env('MASSPAYOUT_URL'))
      .addOption(new Option('--timeout <seconds>', 'deadline of each call to the service, retries included').argParser(seconds).default(60)),
  );
}

export function withMerchantOptions(command: Command): Command {
  return withConnection(
    command
      .addOption(new Option('--api-key <key>', "the merchant's API key").env('MASSPAYOUT_API_KEY'))
      .addOption(new Option('--secret-key <key>', "the merchant's secret key").env('MASSPAYOUT_SECRET_KEY')),
  );
}

export function withAdminOptions(command: Command): Command {
  return withConnection(
    command.addOption(
      new Option('--token <token>', 'admin token (default: MASSPAYOUT_ADMIN_TOKEN, else $MASSPAYOUT_DATA_DIR/admin.token)').env('MASSPAYOUT_ADMIN_TOKEN'),
    ),
  );
}

/**
 * The clients are loaded by the command that calls, not with this file: every start builds the whole
 * command tree from here, and `--version`, `--help` or a mistyped flag need no HTTP client or signing.
 */
export async function merchantClient(options: MerchantOptions): Promise<MassPayoutClient> {
  if (!options.apiKey || !options.secretKey) {
    throw new CliFailure('CLI_CREDENTIALS_MISSING');
  }
  const { MassPayoutClient } = await import('../client/client.ts');
  return new MassPayoutClient({
    baseUrl: serviceUrl(options),
    apiKey: options.apiKey,
    secretKey: options.secretKey,
    locale: options.locale,
    timeoutMs: options.timeout * 1000,
  });
}

export async function adminClient(options: AdminOptions): Promise<AdminClient> {
  const token = adminToken(options);
  const { AdminClient } = await import('../client/admin.ts');
  return new AdminClient({ baseUrl: serviceUrl(options), token, locale: options.locale, timeoutMs: options.timeout * 1000 });
}

/**
 * The flag or MASSPAYOUT_ADMIN_TOKEN; on the service's own machine, the token `serve` generated at
 * first start into its data dir (MASSPAYOUT_DATA_DIR, default ./data), so local use needs no setup.
 */
function adminToken(options: AdminOptions): string {
  if (options.token) return options.token;
  const file = path.resolve(process.env.MASSPAYOUT_DATA_DIR || './data', 'admin.token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return token;
  }
  throw new CliFailure('CLI_ADMIN_TOKEN_MISSING', { en: `none in ${file} either`, tr: `${file} içinde de yok` });
}
