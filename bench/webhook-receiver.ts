import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/**
 * The bench's webhook receiver: answers 204 to every POST, and keeps, per webhook-id, when it first
 * arrived and the event's own timestamp (the moment the change's transaction wrote it), so the
 * delivery lag is arrival − timestamp. A sample (every 100th) is verified with the secret, so the
 * figure is of correctly signed deliveries without verifying 100,000 of them on the bench's CPU.
 */
export interface BenchReceiver {
  url: string;
  /** webhook-id → lag in ms, first arrival only. */
  lags: Map<string, number>;
  types: Map<string, number>;
  items: number;
  repeats: number;
  badSignatures: number;
  secret?: string;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  let server: Server;
  const state: BenchReceiver = {
    url: '',
    lags: new Map(),
    types: new Map(),
    items: 0,
    repeats: 0,
    badSignatures: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  let seen = 0;
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const arrived = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id']);
      if (state.lags.has(id)) state.repeats += 1;
      else {
        const event = JSON.parse(body) as { type: string; timestamp: string; data: { items?: unknown[] } };
        state.lags.set(id, arrived - Date.parse(event.timestamp));
        state.types.set(event.type, (state.types.get(event.type) ?? 0) + 1);
        state.items += event.data.items?.length ?? 0;
        if (seen++ % 100 === 0 && state.secret) {
          try {
            new Webhook(state.secret).verify(body, request.headers as Record<string, string>);
          } catch {
            state.badSignatures += 1;
          }
        }
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`;
  return state;
}

/** The value below which `p` of the sorted values lie (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
