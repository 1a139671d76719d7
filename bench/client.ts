import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { authorizationHeader } from '../src/signing/iyzws.ts';

/**
 * The benchmark talks to the service the way a merchant's integration does: JSON over HTTP, every
 * merchant call signed with IYZWSv2 (src/signing/iyzws.ts, the implementation the server verifies
 * with), a fresh random key per request.
 */

export interface Reply {
  status: number;
  json: any;
  text: string;
}

export interface MerchantKeys {
  merchantId: number;
  apiKey: string;
  secretKey: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export function request(url: string, method: string, body: Buffer | undefined, headers: Record<string, string>, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      all['content-type'] = 'application/json';
      all['content-length'] = body.length;
    }
    const req = http.request(url, { method, headers: all, agent, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, json, text });
      });
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export class ServiceClient {
  constructor(
    readonly url: string,
    private readonly adminToken: string,
    private readonly timeoutMs: number,
  ) {}

  admin(method: string, path: string, body?: unknown): Promise<Reply> {
    const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return request(this.url + path, method, raw, { authorization: `Bearer ${this.adminToken}` }, this.timeoutMs);
  }

  /** A merchant call; `raw` is sent and signed byte for byte (build it once, outside any timing). */
  signed(keys: MerchantKeys, method: string, path: string, raw: Buffer | undefined): Promise<Reply> {
    const randomKey = randomBytes(8).toString('hex');
    const authorization = authorizationHeader(keys.apiKey, keys.secretKey, randomKey, path, raw ?? '');
    return request(this.url + path, method, raw, { authorization, 'x-iyzi-rnd': randomKey }, this.timeoutMs);
  }

  async createMerchant(commission: { fixed: string; rate: string }): Promise<MerchantKeys> {
    return expectStatus(await this.admin('POST', '/admin/v1/merchants', { name: 'Bench Merchant', commission }), 201, 'create merchant').json;
  }

  async deposit(keys: MerchantKeys, amount: string): Promise<void> {
    expectStatus(await this.admin('POST', `/admin/v1/merchants/${keys.merchantId}/deposits`, { amount, currency: 'TRY' }), 201, 'deposit');
  }
}

export function expectStatus(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status) throw new Error(`${what}: HTTP ${reply.status}, expected ${status}: ${reply.text.slice(0, 500)}`);
  return reply;
}

/** A merchant call's envelope must say success. */
export function expectSuccess(reply: Reply, what: string): Reply {
  if (reply.status !== 200 || reply.json?.status !== 'success') throw new Error(`${what}: HTTP ${reply.status}: ${reply.text.slice(0, 500)}`);
  return reply;
}

export function closeClients(): void {
  agent.destroy();
}
