import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';

/**
 * A self-signed certificate for trying HTTPS on one machine: the names a client on this machine
 * dials (127.0.0.1 and localhost), RSA 2048 with SHA-256 (the oldest official client, Java 8's
 * default trust manager, takes it), a server certificate that is its own trust anchor. Never meant
 * for production: there the certificate comes from a real CA (or the load balancer's).
 */
export interface DevCertificate {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint, colon-separated hex, as `keytool -list` and browsers show it. */
  fingerprint256: string;
  validTo: Date;
}

/** One year: long enough to forget, short enough that a leaked dev key does not live for ever. */
export const devCertificateValidityDays = 365;

export const devCertificateNames = { dns: ['localhost'], ip: ['127.0.0.1'] } as const;

export async function generateDevCertificate(now: Date = new Date()): Promise<DevCertificate> {
  const validTo = new Date(now.getTime() + devCertificateValidityDays * 86_400_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }, { name: 'organizationName', value: 'masspayout dev-cert' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: validTo,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...devCertificateNames.dns.map((value) => ({ type: 2 as const, value })), ...devCertificateNames.ip.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  const parsed = new X509Certificate(pems.cert);
  return { certPem: pems.cert, keyPem: pems.private, fingerprint256: parsed.fingerprint256, validTo: new Date(parsed.validTo) };
}
