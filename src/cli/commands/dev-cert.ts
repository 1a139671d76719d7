import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { withJson } from '../options.ts';
import { CliFailure, run, type Output } from '../output.ts';

/** The two files, beside the admin token and the embedded database of the same data dir. */
export const devCertFileNames = { cert: 'dev-cert.pem', key: 'dev-key.pem' } as const;

interface DevCertOptions {
  force?: boolean;
}

/**
 * `masspayout dev-cert`: HTTPS on one machine without openssl. Writes a self-signed certificate and
 * key for 127.0.0.1 and localhost into the data dir `serve` uses (MASSPAYOUT_DATA_DIR, default
 * ./data) and prints how to start `serve` with them and how each official client trusts them.
 */
export function registerDevCertCommand(program: Command): void {
  withJson(
    program
      .command('dev-cert')
      .description('write a self-signed certificate and key for 127.0.0.1/localhost into the data dir (env: MASSPAYOUT_DATA_DIR) and print how to use them')
      .option('--force', 'replace a certificate and key written before'),
  ).action(
    run(async (out, options: DevCertOptions) => {
      // The certificate generator (selfsigned and its ~200 ASN.1 files) is loaded by this command
      // alone: every other start of the CLI would pay for it.
      const [{ dataDirFromEnv }, { devCertificateNames, generateDevCertificate }] = await Promise.all([import('../../data-dir.ts'), import('../tls/dev-certificate.ts')]);
      const dataDir = path.resolve(dataDirFromEnv(process.env));
      const certFile = path.join(dataDir, devCertFileNames.cert);
      const keyFile = path.join(dataDir, devCertFileNames.key);
      const existing = [certFile, keyFile].filter((file) => existsSync(file));
      if (existing.length > 0 && !options.force) throw new CliFailure('CLI_DEV_CERT_EXISTS', existing.join(', '), { files: existing });
      const certificate = await generateDevCertificate();
      await mkdir(dataDir, { recursive: true });
      // The key first and private (0600); without --force neither file may appear in between ('wx').
      const flag = options.force ? 'w' : 'wx';
      await writeFile(keyFile, certificate.keyPem, { mode: 0o600, flag }).catch(refuseExisting);
      await writeFile(certFile, certificate.certPem, { mode: 0o644, flag }).catch(refuseExisting);
      await chmod(keyFile, 0o600); // a replaced key keeps no wider mode it had
      if (out.json) {
        out.data({
          certFile,
          keyFile,
          names: [...devCertificateNames.dns, ...devCertificateNames.ip],
          validTo: certificate.validTo.toISOString(),
          fingerprint256: certificate.fingerprint256,
          env: { MASSPAYOUT_TLS_CERT_FILE: certFile, MASSPAYOUT_TLS_KEY_FILE: keyFile },
        });
      } else {
        printHowTo(out, { certFile, keyFile, names: [...devCertificateNames.ip, ...devCertificateNames.dns], validTo: certificate.validTo, fingerprint256: certificate.fingerprint256 });
      }
    }),
  );
}

function refuseExisting(error: NodeJS.ErrnoException): never {
  if (error.code === 'EEXIST') throw new CliFailure('CLI_DEV_CERT_EXISTS', String(error.path ?? ''));
  throw error;
}

function printHowTo(out: Output, written: { certFile: string; keyFile: string; names: readonly string[]; validTo: Date; fingerprint256: string }): void {
  const { certFile, keyFile } = written;
  const port = process.env.PORT || '8080';
  const lines = [
    `wrote a self-signed certificate for ${written.names.join(' and ')}, valid until ${written.validTo.toISOString().slice(0, 10)}`,
    `  certificate: ${certFile}`,
    `  key:         ${keyFile} (mode 0600)`,
    `  SHA-256:     ${written.fingerprint256}`,
    '',
    'Start the service with HTTPS (base URL https://127.0.0.1:' + port + '):',
    `  MASSPAYOUT_TLS_CERT_FILE=${certFile} MASSPAYOUT_TLS_KEY_FILE=${keyFile} npm start`,
    '',
    'Make each client trust it (for this machine only; production takes a certificate from a real CA):',
    `  Node:   NODE_EXTRA_CA_CERTS=${certFile} node app.js`,
    `  Java:   keytool -importcert -noprompt -alias masspayout-dev -file ${certFile} -keystore masspayout-dev.jks -storepass changeit`,
    '          java -Djavax.net.ssl.trustStore=masspayout-dev.jks -Djavax.net.ssl.trustStorePassword=changeit …',
    `  Python: SSL_CERT_FILE=${certFile} python app.py   (it then trusts this certificate only)`,
    `  PHP:    curl.cainfo=${certFile} in php.ini (the CURLOPT_CAINFO of every curl handle; the client sets none itself)`,
    `  curl:   curl --cacert ${certFile} https://127.0.0.1:${port}/healthz`,
  ];
  for (const line of lines) out.line(line);
}
