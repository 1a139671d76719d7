import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../src/config.ts';
import { errors } from '../src/errors.ts';
import { limits } from '../src/limits.ts';
import { rawExchange } from './support/raw-http.ts';
import { startTestService, type TestService } from './support/service.ts';
import { waitUntil as waitUntilWithin } from './support/wait.ts';

/**
 * The HTTP edge's connection cap and request timeout, set low through the environment (as an
 * operator would) so that each test takes seconds.
 */
const connectionsMax = 3;
const requestTimeoutMs = 3_000;

let service: TestService;
/** The service's log lines (JSON), to tell how it saw what happened. */
const logLines: any[] = [];

// One service for both: the cap is only reached by the test that holds connections on purpose.
beforeAll(async () => {
  const config = configFromEnv({ MASSPAYOUT_CONNECTIONS_MAX: String(connectionsMax), MASSPAYOUT_REQUEST_TIMEOUT_MS: String(requestTimeoutMs) });
  const stream = { write: (line: string) => void logLines.push(JSON.parse(line)) };
  service = await startTestService({ edge: config.edge }, { logger: { level: 'info', stream } });
});
afterAll(async () => {
  await service?.close();
});

const waitUntil = (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000) => waitUntilWithin(what, check, timeoutMs, 20);

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) => service.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

function idleSocket(): Promise<Socket> {
  const { port } = new URL(service.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('connection cap (MASSPAYOUT_CONNECTIONS_MAX)', () => {
  it(`with ${connectionsMax} connections open, the next is closed without an answer; once one closes, requests are served again`, async () => {
    const held = await Promise.all(Array.from({ length: connectionsMax }, () => idleSocket()));
    try {
      await waitUntil(`${connectionsMax} connections counted`, async () => (await openConnections()) === connectionsMax);
      const refused = await rawExchange(service.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 10_000).then(
        (answer) => `answered ${answer.status}`,
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/closed without an answer|ECONNRESET/);
      expect(await openConnections()).toBe(connectionsMax);
      held.pop()!.destroy();
      await waitUntil('a connection freed', async () => (await openConnections()) < connectionsMax);
      expect((await rawExchange(service.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status).toBe(200);
    } finally {
      for (const socket of held) socket.destroy();
    }
    await waitUntil('every connection closed', async () => (await openConnections()) === 0);
  });
});

describe('request timeout (MASSPAYOUT_REQUEST_TIMEOUT_MS)', () => {
  it(`a body trickled at 1 byte/s is cut off with 408 code 16 within ${requestTimeoutMs} ms and the check interval; nothing is stored`, { timeout: 30_000 }, async () => {
    const before = await service.db.query<{ n: bigint }>('select count(*)::int8 as n from merchants');
    const body = JSON.stringify({ name: 'Slow Merchant' });
    const head = `POST /admin/v1/merchants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${service.adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { port } = new URL(service.url);
    const started = Date.now();
    const answer = await new Promise<{ text: string; elapsedMs: number }>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      let sent = 0;
      const trickle = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body[sent++]);
      }, 1000);
      socket.on('data', (chunk) => (text += chunk.toString('utf8')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(trickle);
        resolve({ text, elapsedMs: Date.now() - started });
      });
      socket.write(head);
      setTimeout(() => reject(new Error(`not cut off within 20 s; received: ${text}`)), 20_000).unref();
    });
    expect(answer.text).toMatch(/^HTTP\/1\.1 408 /);
    const json = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4));
    expect(json).toMatchObject({ status: 'failure', errorCode: errors.REQUEST_TIMEOUT.code });
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(requestTimeoutMs - 100);
    expect(answer.elapsedMs).toBeLessThan(requestTimeoutMs + 2 * limits.connectionsCheckIntervalMs + 1_000);
    const after = await service.db.query<{ n: bigint }>('select count(*)::int8 as n from merchants');
    expect(after.rows).toEqual(before.rows);
    // The cut connection is the client's doing: no warning, no error (and never "database unavailable").
    await waitUntil('the cut request logged', () => logLines.some((line) => /closed the connection/.test(line.msg)));
    expect(logLines.filter((line) => line.level >= 40)).toEqual([]);
  });

  it('the timeouts are read from the environment within their bounds; the headers timeout never exceeds the request timeout', () => {
    expect(configFromEnv({}).edge).toMatchObject({ requestTimeoutMs: limits.requestTimeoutMs, headersTimeoutMs: limits.headersTimeoutMs });
    expect(configFromEnv({ MASSPAYOUT_REQUEST_TIMEOUT_MS: '2000' }).edge).toMatchObject({ requestTimeoutMs: 2000, headersTimeoutMs: 2000 });
    expect(configFromEnv({ MASSPAYOUT_HEADERS_TIMEOUT_MS: '5000' }).edge.headersTimeoutMs).toBe(5000);
    expect(() => configFromEnv({ MASSPAYOUT_REQUEST_TIMEOUT_MS: '10' })).toThrow(/MASSPAYOUT_REQUEST_TIMEOUT_MS/);
  });
});
