import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authorizationHeader, computeSignature, parseAuthorization, signatureMatches } from '../src/signing/iyzws.ts';

const vectors = JSON.parse(readFileSync(new URL('./fixtures/signing-vectors.json', import.meta.url), 'utf8'));

describe('IYZWSv2 signing vectors', () => {
  for (const vector of vectors.vectors) {
    it(`${vector.note}`, () => {
      const body = Buffer.from(vector.body, 'utf8');
      expect(computeSignature(vectors.secretKey, vectors.randomKey, vector.path, body)).toBe(vector.signature);
      expect(authorizationHeader(vectors.apiKey, vectors.secretKey, vectors.randomKey, vector.path, body)).toBe(vector.authorization);
      const parsed = parseAuthorization(vector.authorization);
      expect(parsed).toEqual({ apiKey: vectors.apiKey, randomKey: vectors.randomKey, signature: vector.signature });
      expect(signatureMatches(vectors.secretKey, parsed!, vector.path, body)).toBe(true);
      // One byte more, another path or another secret: refused.
      expect(signatureMatches(vectors.secretKey, parsed!, vector.path, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);
      expect(signatureMatches(vectors.secretKey, parsed!, vector.path + 'x', body)).toBe(false);
      expect(signatureMatches('another-secret', parsed!, vector.path, body)).toBe(false);
    });
  }

  it('refuses malformed Authorization values', () => {
    for (const bad of ['', 'IYZWSv2', 'IYZWSv1 abc', 'IYZWSv2 !!!notbase64', `IYZWSv2 ${Buffer.from('apiKey:a&randomKey:b').toString('base64')}`, `IYZWSv2 ${Buffer.from('apiKey:a&randomKey:b&signature:zz').toString('base64')}`]) {
      expect(parseAuthorization(bad)).toBeUndefined();
    }
  });
});
