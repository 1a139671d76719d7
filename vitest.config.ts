import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // On PGlite: one migrated database per run, which each test's database starts from.
    globalSetup: ['test/support/pglite-template.ts'],
    pool: 'forks',
    // 2-core machines: two files at a time, each on its own database (PGlite) or schema (PostgreSQL).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
