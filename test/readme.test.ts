import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { httpStatusOf } from '../src/api/errors.ts';
import { errors } from '../src/errors.ts';
import { batchMoves, itemMoves, steps } from '../src/payouts/transitions.ts';
import { errorsTable, tableBegin, tableEnd } from '../scripts/errors-table.ts';
import { installationDb, seededDataDir } from './support/db.ts';
import { freePort, runCli } from './support/process.ts';
import { startTestService } from './support/service.ts';

/** The README is the front door: its tables match the code, and its example runs as printed. */
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = await readFile(path.join(root, 'README.md'), 'utf8');

function section(name: string): string {
  const start = readme.indexOf(`<!-- section: ${name} -->`);
  expect(start, `README.md has a ${name} section`).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('<!-- section:', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

describe('README errors section', () => {
  it('holds the error table exactly as the catalogue generates it (fix: npm run docs:errors)', () => {
    const errorsSection = section('errors');
    const begin = errorsSection.indexOf(tableBegin);
    const end = errorsSection.indexOf(tableEnd);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(errorsSection.slice(begin + tableBegin.length, end).trim()).toBe(errorsTable());
  });

  it('the generated table has one row per catalogue entry', () => {
    const rows = errorsTable().split('\n').slice(2);
    expect(rows).toHaveLength(Object.keys(errors).length);
    expect(rows[0]).toBe('| `1` | 500 | SYSTEM_ERROR | Sistem hatası | System error |');
  });
});

describe('README signing section', () => {
  it('names the authentication codes the catalogue really has', () => {
    const signing = section('signing');
    for (const name of ['AUTHORIZATION_REQUIRED', 'INVALID_SIGNATURE', 'REPLAYED_REQUEST'] as const) {
      expect(signing).toContain(`| \`${errors[name].code}\` |`);
      expect(httpStatusOf(name)).toBe(401);
    }
    expect(signing).toContain('randomKey + path + rawBody');
  });
});

describe('README api section', () => {
  it('lists exactly the routes the service documents in /openapi.json', { timeout: 180_000 }, async () => {
    const service = await startTestService();
    try {
      const doc = await (await fetch(`${service.url}/openapi.json`)).json();
      const served = Object.entries<Record<string, unknown>>(doc.paths)
        .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
        .sort();
      const listed = [...section('api').matchAll(/^\| (GET|POST|PUT|PATCH|DELETE) \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
      expect(listed, 'add a row to the README api table for every new route').toEqual(served);
    } finally {
      await service.close();
    }
  });

  it('the example runs as printed against a freshly started service, and prints what it says', { timeout: 300_000 }, async () => {
    const block = /```sh\n([\s\S]*?)```/.exec(section('api'))?.[1];
    expect(block).toBeDefined();
    const work = await mkdtemp(path.join(tmpdir(), 'masspayout-readme-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));
    // The example runs in the repository's directory with the service's data in ./data: the same
    // here, in a scratch directory that links the sources. Only the port differs from 8080.
    await symlink(path.join(root, 'src'), path.join(work, 'src'));
    await symlink(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
    await symlink(path.join(root, 'package.json'), path.join(work, 'package.json'));
    const env: Record<string, string> = { MASSPAYOUT_DATA_DIR: path.join(work, 'data'), HOST: '127.0.0.1', PORT: String(await freePort()) };
    const database = await installationDb();
    cleanups.push(database.drop);
    Object.assign(env, database.env);
    // The API example is the subject, not a first start (the walkthrough test has that): the run's migrated database.
    await seededDataDir(env.MASSPAYOUT_DATA_DIR);
    const serve = runCli(['serve'], env);
    cleanups.push(async () => {
      serve.child.kill('SIGTERM');
      await serve.exited();
    });
    const [, url] = await serve.waitFor(/listening on (http:\/\/\S+)/);
    const script = block!.replaceAll('http://127.0.0.1:8080', url);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env: { PATH: process.env.PATH ?? '' }, timeout: 240_000 });

    // Every `# {…}` line after a command is the output it documents; … stands for anything.
    const documented = block!
      .split('\n')
      .filter((line) => line.startsWith('# {'))
      .map((line) => new RegExp(`^${line.slice(2).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('…', '.*?')}$`));
    const printed = stdout.trim().split('\n');
    expect(printed, stdout).toHaveLength(documented.length);
    documented.forEach((pattern, i) => expect(printed[i]).toMatch(pattern));
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('README lifecycle section', () => {
  /** The `A --> B` edges of the diagram of `state`, entry edges ([*]) left out. */
  const edgesOf = (state: string) => {
    const lifecycle = section('lifecycle');
    const block = lifecycle.slice(lifecycle.indexOf(`state "${state}"`));
    const diagram = block.slice(0, block.indexOf('```'));
    return [...diagram.matchAll(/^\s*([A-Z_]+) --> ([A-Z_]+)/gm)].map((m) => `${m[1]} → ${m[2]}`).sort();
  };

  it('draws exactly the moves src/payouts/transitions.ts allows', () => {
    expect(edgesOf('Batch')).toEqual([...new Set(steps(batchMoves).map(([a, b]) => `${a} → ${b}`))].sort());
    expect(edgesOf('Item')).toEqual([...new Set(steps(itemMoves).map(([a, b]) => `${a} → ${b}`))].sort());
  });
});
