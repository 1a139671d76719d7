import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import type { MerchantKeys } from './client.ts';

/**
 * Signed merchant requests as fast as the service answers them: sequentially (one at a time, for
 * latency) or from `clients` loops at once, each with a keep-alive connection of its own (for
 * throughput). In this process, so every request is signed with a fresh random key exactly as a
 * merchant's client signs it, which a replaying load tool (autocannon, wrk) would have to be taught;
 * the price is that the generator shares the machine's cores with the service it measures.
 */

/** One kind of request: what it sends (built and signed before its clock starts) and how its answer is checked. */
export interface ReadKind {
  name: string;
  method: 'GET' | 'POST';
  /** A new request (a random page, a random reference code …): its path, its body, and its answer's check. */
  next(): ReadRequest;
}

export interface ReadRequest {
  path: string;
  body?: Buffer;
  /** Throws when a successful-looking answer is not what this request asked for. */
  check(json: any): void;
}

export interface Latencies {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadFigure extends Latencies {
  clients: number;
  seconds: number;
  perSecond: number;
  /** Requests of each kind in the mix. */
  byKind: Record<string, number>;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function latenciesOf(ms: number[]): Latencies {
  const sorted = ms.sort((a, b) => a - b);
  return { requests: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? Number.NaN };
}

interface Prepared extends ReadRequest {
  headers: Record<string, string | number>;
}

function prepare(keys: MerchantKeys, kind: ReadKind): Prepared {
  const request = kind.next();
  const { path, body } = request;
  const randomKey = randomBytes(8).toString('hex');
  const headers: Record<string, string | number> = { authorization: authorizationHeader(keys.apiKey, keys.secretKey, randomKey, path, body ?? '') };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = body.length;
  }
  return { ...request, headers };
}

function send(baseUrl: string, agent: http.Agent, kind: ReadKind, prepared: Prepared, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(baseUrl + prepared.path, { method: kind.method, headers: prepared.headers, agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const json = JSON.parse(text);
          if (response.statusCode !== 200 || json.status !== 'success') throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
          prepared.check(json);
          resolve();
        } catch (error) {
          reject(new Error(`${kind.name} ${prepared.path}: ${error instanceof Error ? error.message : String(error)}`));
        }
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${kind.name}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (prepared.body !== undefined) req.write(prepared.body);
    req.end();
  });
}

/** `requests` requests of one kind, one after another on one keep-alive connection. */
export async function sequential(baseUrl: string, keys: MerchantKeys, kind: ReadKind, requests: number, timeoutMs: number): Promise<Latencies> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const ms: number[] = [];
    for (let i = 0; i < requests; i++) {
      const prepared = prepare(keys, kind);
      const started = performance.now();
      await send(baseUrl, agent, kind, prepared, timeoutMs);
      ms.push(performance.now() - started);
    }
    return latenciesOf(ms);
  } finally {
    agent.destroy();
  }
}

/** `clients` loops for `seconds`, each taking the kinds of `mix` in turn; a request's latency includes no wait of the generator's own. */
export async function concurrent(baseUrl: string, keys: MerchantKeys, mix: readonly ReadKind[], clients: number, seconds: number, timeoutMs: number): Promise<LoadFigure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const ms: number[] = [];
  const byKind: Record<string, number> = Object.fromEntries(mix.map((kind) => [kind.name, 0]));
  const started = performance.now();
  const until = started + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        for (let n = client; performance.now() < until; n++) {
          const kind = mix[n % mix.length];
          const prepared = prepare(keys, kind);
          const sent = performance.now();
          await send(baseUrl, agent, kind, prepared, timeoutMs);
          ms.push(performance.now() - sent);
          byKind[kind.name] += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { ...latenciesOf(ms), clients, seconds: elapsed, perSecond: ms.length / elapsed, byKind };
  } finally {
    agent.destroy();
  }
}
