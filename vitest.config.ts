import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/support/longest-first.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // On PGlite: one migrated database, kept between runs, which each test's database starts from.
    globalSetup: ['test/support/pglite-template.ts'],
    pool: 'forks',
    // 2-core machines: two files at a time, each on its own database (PGlite) or schema (PostgreSQL).
    maxWorkers: 2,
    // The two workers are kept for the whole run: each file would otherwise start a new process and
    // load the sources (and PGlite's WebAssembly) again, about a third of the run's CPU. Files share
    // no state through module globals (each opens its own database and service and closes them).
    isolate: false,
    // The longest files first, so that the run does not end with one worker alone on a long file.
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
