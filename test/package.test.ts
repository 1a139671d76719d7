import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRails } from '../src/rails/index.ts';
import { defaultSandboxConfig } from '../src/rails/sandbox-config.ts';
import { startWorkers, type Workers } from '../src/workers/start-workers.ts';
import { startTestService, type TestService } from './support/service.ts';

/**
 * The SDK as a user gets it: `npm pack` (whose prepare step compiles src/client to dist/), the tarball
 * installed into a plain Node project from the local npm cache, and the README's SDK example run there
 * with plain `node` (no tsx, no bundler) against a real service; its types checked by tsc as a
 * consumer's would be. And `engines` says the truth about the dependencies installed.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_update_notifier: 'false' };

let scratch: string;
let service: TestService;
let workers: Workers;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'masspayout-package-'));
  service = await startTestService();
  workers = startWorkers({ db: service.db, rails: createRails(service.db, { ...defaultSandboxConfig, settleMs: 200 }), concurrency: 1, pollMs: 20, log: () => {} });
});
afterAll(async () => {
  await workers?.stop();
  await service?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function sdkExample(readme: string): string {
  const section = readme.split('### From code: the SDK')[1]?.split(/\n## /)[0];
  const block = section && /```ts\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README.md has no ```ts block under "From code: the SDK"');
  return block[1];
}

describe('the SDK package', () => {
  it('packs, installs into a plain Node project, and runs the README example there without tsx', async () => {
    // --ignore-scripts on install: a tarball carries its compiled dist/, nothing is built there.
    const packed = await run('npm', ['pack', '--pack-destination', scratch, '--json'], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const shipped = files.map((f) => f.path);
    expect(shipped).toEqual(expect.arrayContaining(['dist/client/index.js', 'dist/client/index.d.ts', 'bin/masspayout.js', 'package.json', 'README.md']));
    expect(shipped.filter((f) => f.startsWith('test/') || f.startsWith('node_modules/'))).toEqual([]);

    await writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', path.join(scratch, filename)], { cwd: scratch, env, maxBuffer: 16 * 1024 * 1024 });

    const merchant = await service.createMerchant();
    await service.deposit(merchant, '50000.00');
    const example = sdkExample(await readFile(path.join(root, 'README.md'), 'utf8'))
      .replace("baseUrl: 'http://127.0.0.1:8080'", `baseUrl: ${JSON.stringify(service.url)}`);
    await writeFile(path.join(scratch, 'example.mjs'), `const apiKey = process.env.API_KEY, secretKey = process.env.SECRET_KEY;\n${example}\nconsole.log('final', final.status);\n`);
    const ran = await run(process.execPath, ['example.mjs'], { cwd: scratch, env: { ...env, API_KEY: merchant.apiKey, SECRET_KEY: merchant.secretKey }, timeout: 240_000 });
    expect(ran.stdout).toMatch(/^final COMPLETED$/m);
    expect(ran.stderr).toBe('');

    // A TypeScript consumer gets the declarations, and they catch a wrong call.
    await writeFile(
      path.join(scratch, 'consumer.ts'),
      [
        "import { MassPayoutClient, MassPayoutError, type BatchProgress } from 'masspayout/client';",
        "const client = new MassPayoutClient({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'k', secretKey: 's' });",
        "export const progress: Promise<BatchProgress> = client.progress('3f2b8c1e-5d4a-4c7b-9e21-0a6d5f8b7c93');",
        'export const isError = (e: unknown) => e instanceof MassPayoutError && e.errorCode === "6003";',
        '// @ts-expect-error: auth takes a requestId',
        'client.auth(42);',
      ].join('\n'),
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', '--types', 'node', '--typeRoots', path.join(root, 'node_modules', '@types'), 'consumer.ts'], { cwd: scratch, env });
  }, 600_000);
});

describe('engines', () => {
  /**
   * Packages whose engines say node >=22 only because they are ESM-only and are require()d by a
   * CommonJS dependency (@fastify/static requires content-disposition, light-my-request requires
   * cookie): Node has loaded ES modules through require() since 20.19.0 (unflagged), which is why
   * our floor is 20.19, and why this suite runs on Node 20.
   */
  const esmOnlyExceptions = new Set(['content-disposition', 'cookie']);

  it("states a Node range every installed runtime dependency supports, and this Node is in it", async () => {
    const require = createRequire(import.meta.url);
    const semver = require('semver') as { minVersion(range: string): { version: string }; satisfies(version: string, range: string): boolean };
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8'));
    const ours: string = manifest.engines.node;
    const floor = semver.minVersion(ours).version;
    expect(semver.satisfies(process.versions.node, ours), `Node ${process.versions.node} runs the suite but is outside engines ${ours}`).toBe(true);
    expect(semver.satisfies(floor, '>=20.19.0'), 'require(esm) needs Node 20.19').toBe(true);

    const refusing: string[] = [];
    for (const [where, entry] of Object.entries<{ dev?: boolean; optional?: boolean; os?: string[]; engines?: { node?: string } }>(lock.packages)) {
      if (where === '' || entry.dev || entry.optional || !entry.engines?.node) continue;
      const name = where.replace(/^.*node_modules\//, '');
      if (semver.satisfies(floor, entry.engines.node)) continue;
      if (esmOnlyExceptions.has(name)) {
        const installed = JSON.parse(await readFile(path.join(root, where, 'package.json'), 'utf8'));
        expect(installed.type, `${name} is listed as ESM-only`).toBe('module');
        continue;
      }
      refusing.push(`${name} (${entry.engines.node})`);
    }
    expect(refusing, `dependencies that do not run on Node ${floor}`).toEqual([]);
  });
});
