import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errors } from '../src/errors.ts';
import { authorizationHeader } from '../src/signing/iyzws.ts';
import { ensureGone, type Served, sharedEnv, startServe, stopGracefully } from './support/deployment.ts';

/**
 * Memory held for strangers, measured on a real `serve` process: the apiKey travels in every header,
 * so anyone may send init bodies under it with a wrong signature. Eight of 60 MB at once grew the
 * process by ~440 MB before the body budget (limits.bodyBytesInFlightMax, 96 MiB); now its peak RSS
 * may grow by at most `growthBoundMb` over its idle size (README, Reliability): the budget, and
 * room for what reading and hashing a body costs besides.
 */
const bodies = 8;
const bodyBytes = 60 * 1000 * 1000;
const growthBoundMb = 160;

interface MemoryReading {
  rssMb: number;
  hwmMb: number;
}

async function memoryOf(pid: number): Promise<MemoryReading> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** Sends one body of `bodyBytes` (pieces of 1 MB, as a client streams a file) and resolves with the answer. */
function sendLargeBody(url: string, authorization: string, piece: Buffer): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/v1/mass/payout/init`,
      { method: 'POST', agent: false, headers: { authorization, 'content-type': 'application/json', 'content-length': bodyBytes } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    // The server may answer (503) and close before the whole body is written: the answer decides.
    request.on('error', reject);
    let sent = 0;
    const writeMore = () => {
      while (sent < bodyBytes) {
        const size = Math.min(piece.length, bodyBytes - sent);
        sent += size;
        if (!request.write(size === piece.length ? piece : piece.subarray(0, size))) return void request.once('drain', writeMore);
      }
      request.end();
    };
    writeMore();
  });
}

let dataDir: string;
let served: Served | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-memory-'));
  served = await startServe(sharedEnv({ MASSPAYOUT_DATA_DIR: dataDir, MASSPAYOUT_WORKER_CONCURRENCY: '0' }));
}, 180_000);

afterAll(async () => {
  if (served) await stopGracefully(served.cli).finally(() => ensureGone(served?.cli));
  await rm(dataDir, { recursive: true, force: true });
});

describe('memory held for unauthenticated bodies', () => {
  it(`${bodies} × 60 MB init bodies at once with a known apiKey and a wrong signature: every one refused, the serve process grows by less than ${growthBoundMb} MB`, { timeout: 180_000 }, async () => {
    const { url, admin, cli } = served!;
    const pid = cli.child.pid!;
    const merchant = await admin.createMerchant({ name: 'Memory Test Merchant' });
    const started = await memoryOf(pid);
    // Start-up (migrations, PGlite's WebAssembly) has its own peak; "5" resets the high-water mark
    // to the current RSS, so what follows measures the bodies alone.
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    const idle = await memoryOf(pid);

    // The signature is over an empty body with another key: the apiKey is real, the rest is not.
    const authorization = authorizationHeader(merchant.apiKey, randomBytes(16).toString('hex'), randomBytes(8).toString('hex'), '/v1/mass/payout/init', '');
    const piece = Buffer.alloc(1024 * 1024, 0x20);
    let peakRssMb = idle.rssMb;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakRssMb = Math.max(peakRssMb, (await memoryOf(pid)).rssMb);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const answers = await Promise.all(Array.from({ length: bodies }, () => sendLargeBody(url, authorization, piece)));
    sampling = false;
    await sampler;
    const after = await memoryOf(pid);

    // Each is refused: 401 once its body was read and its signature checked, or 503 (code 23) when
    // it waited too long for room in the body budget.
    for (const answer of answers) {
      expect([401, 503]).toContain(answer.status);
      expect(answer.json.errorCode).toBe(answer.status === 401 ? errors.INVALID_SIGNATURE.code : errors.SERVICE_BUSY.code);
    }
    expect(answers.some((answer) => answer.status === 401)).toBe(true);
    console.log(
      `serve RSS: idle ${idle.rssMb.toFixed(0)} MB (start-up peak ${started.hwmMb.toFixed(0)} MB, reset to ${idle.hwmMb.toFixed(0)} MB), peak sampled ${peakRssMb.toFixed(0)} MB, high-water mark ${after.hwmMb.toFixed(0)} MB; answers ${answers.map((a) => a.status).join(' ')}`,
    );
    expect(after.hwmMb - idle.rssMb).toBeLessThan(growthBoundMb);
    // The process still serves.
    expect((await admin.trialBalance()).balanced).toBe(true);
  });
});
