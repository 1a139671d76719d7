import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, WebhookSignatureError, type WebhookEvent } from '../client/webhooks.ts';
import { limits } from '../limits.ts';

export interface ListenerOptions {
  port: number;
  host: string;
  /** Any of these verifies a request (both during a rotation). */
  secrets: readonly string[];
  /** A verified event, with its webhook-id. */
  onEvent(event: WebhookEvent, messageId: string): void;
  /** A request that did not verify (answered 400) or was not a POST (405). */
  onRefused(reason: string): void;
}

/**
 * `masspayout webhook listen`: a local receiver for a developer, as a merchant's would be. Verifies
 * each POST with the endpoint's secret (verifyWebhook: signature and timestamp), answers 204 when it
 * does and 400 when it does not, and hands the event on. Bodies above the SDK's response limit are
 * refused unread.
 */
export async function startWebhookListener(options: ListenerOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'POST') {
      options.onRefused(`${request.method} ${request.url}: only POST is a webhook`);
      response.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.clientResponseBytesMax) {
        options.onRefused(`a body above ${limits.clientResponseBytesMax} bytes`);
        response.writeHead(413).end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        const event = verifyWebhook(Buffer.concat(chunks), request.headers, options.secrets);
        options.onEvent(event, String(request.headers['webhook-id']));
        response.writeHead(204).end();
      } catch (error) {
        options.onRefused(error instanceof WebhookSignatureError ? `signature refused: ${error.message}` : `not an event: ${(error as Error).message}`);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One line per event for a person: time, type, batch, sequence, and the items' outcomes. */
export function describeEvent(event: WebhookEvent): string {
  const data = event.data as { requestId: string; sequence: number; massPayoutStatus?: string; items?: { type: string }[]; item?: { referenceCode: string; itemStatus: string } };
  let detail = '';
  if (event.type === 'mass_payout.items.settled' && data.items) {
    const counts = new Map<string, number>();
    for (const item of data.items) counts.set(item.type.replace('mass_payout.item.', ''), (counts.get(item.type.replace('mass_payout.item.', '')) ?? 0) + 1);
    detail = ` ${data.items.length} item(s): ${[...counts].map(([type, n]) => `${n} ${type}`).join(', ')}`;
  } else if (data.item) detail = ` item ${data.item.referenceCode} ${data.item.itemStatus}`;
  else if (data.massPayoutStatus) detail = ` ${data.massPayoutStatus}`;
  return `${event.timestamp} ${event.type} ${data.requestId} #${data.sequence}${detail}`;
}
