import { readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './support/http.ts';
import { iyzipayMassPayout } from './support/iyzipay-mass-payout.ts';
import { startTestService, type TestMerchant, type TestService } from './support/service.ts';
import { phpSigned, sendRaw } from './support/wire-styles.ts';

/**
 * HTTPS in the service: the official Node client over TLS, trusting the service's certificate the
 * way NODE_EXTRA_CA_CERTS makes it trusted (here: the global agent's CA list, as this process has
 * already started). The fixture certificate is self-signed for localhost and 127.0.0.1.
 */
const cert = readFileSync(new URL('./fixtures/tls-test.crt', import.meta.url));
const key = readFileSync(new URL('./fixtures/tls-test.key', import.meta.url));
const iban = 'TR330006100519786457841326';

let service: TestService;
let merchant: TestMerchant;
const trustedBefore = https.globalAgent.options.ca;

beforeAll(async () => {
  https.globalAgent.options.ca = cert;
  service = await startTestService({}, { https: { cert, key } });
  merchant = await service.createMerchant();
  await service.deposit(merchant, '1000');
});
afterAll(async () => {
  https.globalAgent.options.ca = trustedBefore;
  await service?.close();
});

describe('HTTPS', () => {
  it('the official Node client works over https:// unchanged: init, retrieve, auth, balance', async () => {
    expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const client = iyzipayMassPayout({ uri: service.url, apiKey: merchant.apiKey, secretKey: merchant.secretKey });
    const init = await client.init({ conversationId: 'tls-1', externalId: 'tls-batch', items: [{ itemExternalId: 'a', recipientType: 'IBAN', recipientInfo: iban, recipientName: 'Ayşe Yılmaz', amount: { value: 10, currency: 'TRY' } }] });
    expect(init).toMatchObject({ status: 'success', conversationId: 'tls-1' });
    const retrieve = await client.retrieve({ requestId: init.requestId, page: 0, size: 10 });
    expect(retrieve.massPayout).toMatchObject({ requestId: init.requestId, massPayoutStatus: 'INIT' });
    expect(await client.auth({ requestId: init.requestId })).toMatchObject({ status: 'success' });
    expect(await client.balance({})).toMatchObject({ status: 'success', balance: expect.stringMatching(/^990(\.00)?$/) });
  });

  it('a signature over the full URL takes the connection scheme: https', async () => {
    const url = `${service.url}/v1/mass/payout/balance?locale=en`;
    const ok = await sendRaw(service.url, merchant, { method: 'GET', path: '/v1/mass/payout/balance', query: '?locale=en', ...phpSigned(url) });
    expect(ok.status, ok.text).toBe(200);
    const http = await sendRaw(service.url, merchant, { method: 'GET', path: '/v1/mass/payout/balance', ...phpSigned(url.replace('https:', 'http:').replace('?locale=en', '')) });
    expect(http.json.errorCode).toBe('1000');
  });

  it('plain HTTP to the HTTPS port gets no answer from the API', async () => {
    const plain = await httpRequest(service.url.replace('https:', 'http:') + '/healthz', 'GET').catch((error: Error) => error);
    expect(plain instanceof Error || plain.status === 400).toBe(true);
  });
});
