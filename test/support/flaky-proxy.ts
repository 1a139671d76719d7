import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of the test service that misbehaves on purpose, connection by connection:
 * - `refuse`: closes the connection as soon as it is accepted (the service never sees the request);
 * - `drop-response`: forwards the request, lets the service answer, and closes the connection
 *   before a byte of the answer reaches the client (the service DID act on the request);
 * - `error-503`: answers a 503 failure envelope itself;
 * - `bad-gateway`: answers a 502 HTML page, as a broken load balancer would;
 * - `hang`: accepts and never answers;
 * - `pass`: forwards both ways.
 * `plan(n)` says what to do with the n-th connection (from 0); every request head that reached the
 * proxy is kept, so tests can look at what the SDK actually sent.
 */
export type ProxyMode = 'refuse' | 'drop-response' | 'error-503' | 'bad-gateway' | 'hang' | 'pass';

export interface FlakyProxy {
  url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** What arrived on each connection, as text (request line, headers and body). */
  received(): string[];
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string, plan: (connection: number) => ProxyMode): Promise<FlakyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const received: string[] = [];
  let count = 0;
  const server: Server = createServer((client) => {
    const n = count++;
    const mode = plan(n);
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    received[n] = '';
    if (mode === 'refuse') return void client.destroy();
    client.on('data', (chunk) => (received[n] += chunk.toString('utf8')));
    if (mode === 'hang') return;
    if (mode === 'error-503' || mode === 'bad-gateway') {
      client.once('data', () => client.end(mode === 'error-503' ? envelope503 : htmlBadGateway));
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    if (mode === 'drop-response') {
      upstream.once('data', () => {
        client.destroy();
        upstream.destroy();
      });
    } else {
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    connections: () => count,
    received: () => [...received],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const body503 = JSON.stringify({ status: 'failure', errorCode: '1', errorMessage: 'System error', errorGroup: 'SYSTEM_ERROR', locale: 'en', systemTime: 0 });
const envelope503 = `HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body503)}\r\nconnection: close\r\n\r\n${body503}`;
const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
const htmlBadGateway = `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: ${html.length}\r\nconnection: close\r\n\r\n${html}`;
