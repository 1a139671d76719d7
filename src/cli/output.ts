import type { Command } from 'commander';
import { MassPayoutError } from '../client/errors.ts';

/** Exit codes of every command: scripts can tell a refused operation from a mistyped command. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the CLI itself decided on (bad file, missing credentials, books not balanced). */
export class CliFailure extends Error {
  constructor(
    message: string,
    /** Extra fields for the --json failure object. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
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
 * one line on stderr (plus a JSON failure object on stdout with --json) and exit code 1.
 */
export function run<A extends unknown[]>(body: (out: Output, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const out = outputFor(Boolean(command.optsWithGlobals().json));
    try {
      await body(out, ...(args as A));
    } catch (error) {
      reportFailure(out, command, error);
      process.exitCode = exitCodes.failed;
    }
  };
}

function reportFailure(out: Output, command: Command, error: unknown): void {
  const name = commandPath(command);
  if (error instanceof MassPayoutError) {
    const status = error.httpStatus ? ` (HTTP ${error.httpStatus})` : '';
    out.note(`${name}: ${error.errorCode} ${oneLine(error.errorMessage)}${status}`);
    if (out.json) {
      out.data({ status: 'failure', errorCode: error.errorCode, errorMessage: error.errorMessage, httpStatus: error.httpStatus, retryable: error.retryable });
    }
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  out.note(`${name}: ${oneLine(message)}`);
  if (out.json) out.data({ status: 'failure', errorMessage: message, ...(error instanceof CliFailure ? error.details : {}) });
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
