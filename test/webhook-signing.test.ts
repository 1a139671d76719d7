import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, signWebhook } from '../src/webhooks/secrets.ts';

describe('webhook signatures are the Standard Webhooks ones', () => {
  const at = new Date('2026-12-02T05:00:00.900Z');
  const payloads = ['', '{"type":"mass_payout.completed"}', `{"items":[${'{"ü":"€ \\" \\\\ \\n"},'.repeat(5000)}{}]}`];

  it('equal, byte for byte, to what the standardwebhooks package signs, for every payload and secret', () => {
    for (let i = 0; i < 20; i++) {
      const secret = newWebhookSecret();
      for (const payload of payloads) {
        const ours = signWebhook(`msg_${i}`, at, payload, [secret]);
        expect(ours['webhook-signature']).toBe(new Webhook(secret).sign(`msg_${i}`, at, payload));
        expect(ours['webhook-timestamp']).toBe(String(Math.floor(at.getTime() / 1000)));
      }
    }
  });

  it('during a rotation both signatures are carried and the package verifies with either secret alone', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const now = new Date();
    const payload = JSON.stringify({ type: 'mass_payout.authorized', data: { sequence: 1 } });
    const headers = signWebhook('msg_rotation', now, payload, [current, previous]);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(new Webhook(secret).verify(payload, { ...headers })).toEqual(JSON.parse(payload));
    expect(() => new Webhook(newWebhookSecret()).verify(payload, { ...headers })).toThrow();
  });

  it('refuses to sign with no secret at all', () => {
    expect(() => signWebhook('msg', at, '{}', [])).toThrow(/nothing to sign with/);
  });
});
