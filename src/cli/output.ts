import type { Command } from 'commander';
import { type ErrorName, errors, type Locale } from '../errors.ts';
import { MassPayoutError } from '../client/errors.ts';

/** Exit codes of every command: scripts can tell a refused operation from a mistyped command. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** Text in both of the CLI's languages; a plain string is the same in both (a path, a number). */
export type Localized = string | Record<Locale, string>;

export function localized(text: Localized, locale: Locale): string {
  return typeof text === 'string' ? text : text[locale];
}

/**
 * A failure the CLI itself decided on (bad file, missing credentials, books not balanced): a code of
 * the catalogue, whose message is shown in the command's --locale, and a detail after a colon.
 */
export class CliFailure extends Error {
  constructor(
    readonly errorName: ErrorName,
    readonly detail?: Localized,
    /** Extra fields for the --json failure object. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(messageOf(errorName, detail, 'en'));
  }

  get code(): string {
    return errors[this.errorName].code;
  }

  messageIn(locale: Locale): string {
    return messageOf(this.errorName, this.detail, locale);
  }
}

function messageOf(name: ErrorName, detail: Localized | undefined, locale: Locale): string {
  const text = errors[name][locale];
  return detail === undefined ? text : `${text}: ${localized(detail, locale)}`;
}

export interface Output {
  json: boolean;
  /** Machine output: one JSON document on stdout. */
  data(value: unknown): void;
  /** Human output on stdout (nothing in --json mode). */
  line(text: string): void;
  /** Diagnostics on stderr, in both modes. */
  note(text: string): void;
}

export function outputFor(json: boolean): Output {
  return {
    json,
    data: (value) => process.stdout.write(JSON.stringify(value, bigintAsString, 2) + '\n'),
    line: (text) => {
      if (!json) process.stdout.write(text + '\n');
    },
    note: (text) => process.stderr.write(text + '\n'),
  };
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * Wraps a command's action: runs it with an Output that follows --json, and turns any failure into
 * one line on stderr (plus a JSON failure object on stdout with --json) and exit code 1 (2 for a
 * wrong command line the action found).
 */
export function run<A extends unknown[]>(body: (out: Output, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const options = command.optsWithGlobals();
    const out = outputFor(Boolean(options.json));
    try {
      await body(out, ...(args as A));
    } catch (error) {
      reportFailure(out, command, error, options.locale === 'tr' ? 'tr' : 'en');
      // One rule for every command: a command line that cannot be right is 2, a failed operation 1.
      process.exitCode = error instanceof CliFailure && error.errorName === 'CLI_USAGE' ? exitCodes.usage : exitCodes.failed;
    }
  };
}

function reportFailure(out: Output, command: Command, error: unknown, locale: Locale): void {
  const name = commandPath(command);
  if (error instanceof MassPayoutError) {
    const status = error.httpStatus ? ` (HTTP ${error.httpStatus})` : '';
    out.note(`${name}: ${error.errorCode} ${oneLine(error.errorMessage)}${status}`);
    if (out.json) {
      out.data({ status: 'failure', errorCode: error.errorCode, errorMessage: error.errorMessage, httpStatus: error.httpStatus, retryable: error.retryable });
    }
    return;
  }
  const failure = error instanceof CliFailure ? error : new CliFailure('SYSTEM_ERROR', error instanceof Error ? error.message : String(error));
  const message = failure.messageIn(locale);
  out.note(`${name}: ${failure.code} ${oneLine(message)}`);
  if (out.json) out.data({ status: 'failure', errorCode: failure.code, errorMessage: message, ...failure.details });
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
