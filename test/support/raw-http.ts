import { connect } from 'node:net';

/** What came back on a raw connection: the status line's code, the headers (lower case) and the body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: any;
}

/**
 * Writes `bytes` on a fresh TCP connection and reads until the server closes it or a whole answer
 * (by Content-Length) arrived; at most `timeoutMs`. For requests no HTTP client sends: broken
 * encodings, oversized headers, requests that stop half-way.
 */
export function rawExchange(url: string, bytes: string | Buffer, timeoutMs = 30_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms: ${received.toString('utf8')}`)), timeoutMs);
    const parse = (): RawAnswer | undefined => {
      const text = received.toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = text.slice(end + 4);
      const length = Number(headers['content-length']);
      if (Number.isFinite(length) && Buffer.byteLength(body) < length) return undefined;
      let json: any;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      return { status: Number(statusLine.split(' ')[1]), headers, body, json };
    };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const answer = parse();
      if (answer) resolve(answer);
      else reject(error ?? new Error(`connection closed without an answer: ${received.toString('utf8')}`));
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (parse()) finish();
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
    socket.write(bytes);
  });
}
