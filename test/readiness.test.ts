import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errors } from '../src/errors.ts';
import { ensureGone, sharedEnv, startServe, stopGracefully, type Served } from './support/deployment.ts';
import { httpRequest } from './support/http.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';
import { queueUrl, startTcpCutter, type TcpCutter, uniqueQueueName } from './support/rabbit.ts';
import { waitUntil as waitUntilWithin } from './support/wait.ts';

/**
 * Readiness with a broker (QUEUE_URL): `/readyz` and `masspayout health` say "not ready" while the
 * broker is unreachable — the process itself stays live — and ready again once it is back.
 * The broker is reached through a TCP relay that the test cuts and then refuses, as a closed port.
 */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const waitUntil = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) => waitUntilWithin(what, check, timeoutMs, 50);

/** The /readyz requests `serve` has logged so far (one JSON line per request at LOG_LEVEL=info). */
function readyzRequests(served: Served): number {
  return served.cli.output().split('\n').filter((line) => line.includes('"path":"/readyz"')).length;
}

describe.skipIf(!queueUrl)('readiness with a broker (needs QUEUE_URL)', () => {
  it('broker unreachable: /healthz 200, /readyz 503 broker "unavailable", health fails with 7034 and health --wait waits until the broker is back', { timeout: 300_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-ready-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const cutter: TcpCutter = await startTcpCutter(queueUrl!);
    cleanups.push(() => cutter.close());
    const served = await startServe(
      sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir, QUEUE_URL: cutter.url, MASSPAYOUT_QUEUE_NAME: uniqueQueueName('ready'), LOG_LEVEL: 'info', MASSPAYOUT_WORKER_CONCURRENCY: '1' }),
    );
    cleanups.push(() => ensureGone(served.cli));
    const health = (args: string[]): CliProcess => runCli(['health', '--url', served.url, ...args], {});

    const ready = await httpRequest(`${served.url}/readyz`, 'GET');
    expect(ready.status, ready.text).toBe(200);
    expect(ready.json).toEqual({ status: 'ok', database: 'ok', broker: 'ok' });
    const up = health(['--json']);
    expect(await up.exited(), up.output()).toBe(0);
    expect(JSON.parse(up.output())).toMatchObject({ status: 'ok', database: 'ok', broker: 'ok' });

    cutter.refuse(true);
    cutter.cut();
    await waitUntil('/readyz says the broker is unavailable', async () => (await httpRequest(`${served.url}/readyz`, 'GET')).status === 503);
    const notReady = await httpRequest(`${served.url}/readyz`, 'GET');
    expect(notReady.json).toEqual({ status: 'unavailable', database: 'ok', broker: 'unavailable' });
    expect(Number(notReady.headers['retry-after'])).toBeGreaterThan(0);
    expect((await httpRequest(`${served.url}/healthz`, 'GET')).status).toBe(200);

    const once = health([]);
    expect(await once.exited(), once.output()).toBe(1);
    expect(once.output()).toContain(errors.CLI_SERVICE_NOT_READY.code);

    // --wait keeps asking while the service is live but not ready: it is still running after three
    // more /readyz answers of 503, and exits 0 once the broker is reachable again.
    const asked = readyzRequests(served);
    const waiting = health(['--wait', '120']);
    await waitUntil('health --wait asked three times', () => readyzRequests(served) >= asked + 3);
    expect(waiting.child.exitCode, waiting.output()).toBeNull();
    cutter.refuse(false);
    expect(await waiting.exited(120_000), waiting.output()).toBe(0);
    expect(waiting.output()).toContain('is ready');
    expect((await httpRequest(`${served.url}/readyz`, 'GET')).json).toEqual({ status: 'ok', database: 'ok', broker: 'ok' });
    expect(served.cli.child.exitCode, served.cli.output()).toBeNull();
    await stopGracefully(served.cli);
  });

  it('a QUEUE_URL at a closed port: serve gives up at start-up with one line naming the broker, and exits 1', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-ready-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const closed = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    const cli = runCli(['serve'], { ...sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir, QUEUE_URL: closed }), PORT: String(await freePort()) });
    cleanups.push(() => ensureGone(cli));
    expect(await cli.exited(120_000), cli.output()).toBe(1);
    expect(cli.output()).not.toContain('listening on');
    expect(cli.output()).toMatch(/ECONNREFUSED|broker/i);
  });
});

describe('health without a service', () => {
  it('nothing listening: health fails with 7058 (no answer), not 7034', { timeout: 60_000 }, async () => {
    const cli = runCli(['health', '--url', `http://127.0.0.1:${await freePort()}`], {});
    expect(await cli.exited(), cli.output()).toBe(1);
    expect(cli.output()).toContain(errors.CLI_SERVICE_DOWN.code);
  });
});
