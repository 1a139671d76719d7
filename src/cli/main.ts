import { CommanderError } from 'commander';
import { exitCodes } from './output.ts';
import { buildProgram } from './program.ts';

/**
 * Exit codes: 0 success, 1 the operation failed (a one-line reason on stderr), 2 the command line
 * was wrong (commander has printed what was wrong). `--help` exits 0.
 */
buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
      return;
    }
    console.error(`masspayout: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = exitCodes.failed;
  });
