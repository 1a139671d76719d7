import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The order test files start in: the longest first, so that the last files to finish are short
 * ones and neither worker is left alone at the end with a long file. Vitest orders by the durations
 * it cached on an earlier run of this checkout; a file it has none for (a clean clone, as on CI)
 * would go by its size, and a short file that drives child processes for a minute would start
 * last. Those files say here about how long they take alone (seconds, measured with the suite on
 * PGlite on a 2-core machine); every other file without a cached duration goes by size after them.
 */
const secondsAlone: Record<string, number> = {
  'test/cli-usage.test.ts': 60,
  'test/readme-walkthrough.test.ts': 60,
  'test/readme-walkthrough-bank.test.ts': 60,
  'test/crash-embedded.test.ts': 60,
  'test/startup.test.ts': 45,
  'test/hostile-input.test.ts': 44,
  'test/package.test.ts': 42,
  'test/cli-batches.test.ts': 40,
  'test/cli-submit-large.test.ts': 35,
  'test/cli-submit.test.ts': 30,
  'test/cli-operator.test.ts': 30,
  'test/db-outage.test.ts': 29,
  'test/signing.test.ts': 28,
  'test/console.test.ts': 22,
  'test/readme.test.ts': 19,
  'test/dev-cert.test.ts': 18,
  'test/crash-webhooks.test.ts': 17,
  'test/data-dir-lock.test.ts': 17,
  'test/embedded-wal.test.ts': 15,
  'test/worker-process.test.ts': 15,
  'test/reliability-edge.test.ts': 14,
};

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const bySize = await super.sort(files);
    const root = this.ctx.config.root;
    const expectedMs = (spec: TestSpecification): number => {
      const file = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${file}`);
      return cached ? cached.duration : (secondsAlone[file] ?? 0) * 1000;
    };
    // A stable sort: files expected to take as long keep the order Vitest gave them.
    return bySize.map((spec, index) => ({ spec, index, ms: expectedMs(spec) })).sort((a, b) => b.ms - a.ms || a.index - b.index).map(({ spec }) => spec);
  }
}
