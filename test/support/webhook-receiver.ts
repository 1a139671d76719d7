import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait.ts';

/** One request a receiver got, as it arrived (the raw body, to verify the signature over). */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it answered. */
  answered: number;
}

/** How a path answers each request: a status, optionally with headers; `hang` never answers. */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A real HTTP receiver on a loopback port: each path answers as its `answer` function says (by how
 * many requests that path had), and every request is kept in `received`.
 */
export interface Receiver {
  url: string;
  received: Received[];
  answer(path: string, how: (count: number) => Answer): void;
  /** Waits until `check(received)` holds, at most `timeoutMs`. */
  waitFor(check: (received: Received[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, (count: number) => Answer>();
  const counts = new Map<string, number>();
  const hanging = new Set<() => void>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      const answer: Answer = (answers.get(path) ?? ((): Answer => ({ status: 200 })))(count);
      if (answer === 'hang') {
        received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: 0 });
        hanging.add(() => response.destroy());
        return;
      }
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: answer.status });
      response.writeHead(answer.status, answer.headers ?? {});
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer(path, how) {
      answers.set(path, how);
    },
    async waitFor(check, timeoutMs = 20_000, what = 'the expected webhooks') {
      await waitFor(
        async () => check(received) || undefined,
        timeoutMs,
        () => `receiver: ${what} did not arrive; got ${received.map((r) => `${r.path} ${JSON.parse(r.body || '{}').type}`).join(', ')}`,
        25,
      );
    },
    async close() {
      for (const drop of hanging) drop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
