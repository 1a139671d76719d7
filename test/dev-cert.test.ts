import { spawn } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededDataDir } from './support/db.ts';
import { ensureGone, stopGracefully } from './support/deployment.ts';
import { type CliProcess, freePort, runCli } from './support/process.ts';

/**
 * `masspayout dev-cert` end to end, as its printed instructions say: the command writes the pair
 * into a fresh data dir, `serve` is started on that data dir with MASSPAYOUT_TLS_CERT_FILE /
 * MASSPAYOUT_TLS_KEY_FILE, and the official Node client, in a process of its own that trusts the
 * certificate through NODE_EXTRA_CA_CERTS alone, pays over https://.
 */
const clientModule = fileURLToPath(new URL('./support/iyzipay-mass-payout.ts', import.meta.url));
const iban = 'TR330006100519786457841326';
const cleanups: Array<() => Promise<void>> = [];
let dataDir: string;
let serve: CliProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'masspayout-dev-cert-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
});
afterAll(async () => {
  await ensureGone(serve);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

interface Written {
  certFile: string;
  keyFile: string;
  fingerprint256: string;
  env: Record<string, string>;
}

async function devCert(args: string[] = []): Promise<{ code: number | null; output: string }> {
  const cli = runCli(['dev-cert', '--json', ...args], { MASSPAYOUT_DATA_DIR: dataDir });
  const code = await cli.exited(120_000);
  return { code, output: cli.output() };
}

/** A node process running `script` (ESM, tsx loaded), with only the environment given. */
function node(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('masspayout dev-cert', () => {
  let written: Written;

  it('writes a certificate for 127.0.0.1 and localhost and a private key into the data dir', { timeout: 120_000 }, async () => {
    const first = await devCert();
    expect(first.code, first.output).toBe(0);
    written = JSON.parse(first.output) as Written;
    expect(written.certFile).toBe(path.join(dataDir, 'dev-cert.pem'));
    expect(written.keyFile).toBe(path.join(dataDir, 'dev-key.pem'));
    expect(written.env).toEqual({ MASSPAYOUT_TLS_CERT_FILE: written.certFile, MASSPAYOUT_TLS_KEY_FILE: written.keyFile });
    const certificate = new X509Certificate(await readFile(written.certFile));
    expect(certificate.subjectAltName?.split(', ').sort()).toEqual(['DNS:localhost', 'IP Address:127.0.0.1']);
    expect(certificate.fingerprint256).toBe(written.fingerprint256);
    // Self-signed: its own issuer, its signature checks with its own key.
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect((await stat(written.keyFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace the pair without --force (7020, files untouched), and replaces it with --force', { timeout: 240_000 }, async () => {
    const [cert, key] = await Promise.all([readFile(written.certFile, 'utf8'), readFile(written.keyFile, 'utf8')]);
    const again = await devCert();
    expect(again.code, again.output).toBe(1);
    expect(again.output).toContain('"errorCode": "7020"');
    expect(await readFile(written.certFile, 'utf8')).toBe(cert);
    expect(await readFile(written.keyFile, 'utf8')).toBe(key);
    // Half a pair is refused too: the key alone would be replaced under a certificate not made for it.
    await rm(written.certFile);
    expect((await devCert()).code).toBe(1);
    expect(await readFile(written.keyFile, 'utf8')).toBe(key);

    const forced = await devCert(['--force']);
    expect(forced.code, forced.output).toBe(0);
    const replaced = JSON.parse(forced.output) as Written;
    expect(replaced.fingerprint256).not.toBe(written.fingerprint256);
    expect(await readFile(replaced.keyFile, 'utf8')).not.toBe(key);
    written = replaced;
  });

  it('serve takes the pair; the official Node client trusting it by NODE_EXTRA_CA_CERTS pays over https; untrusted, it is refused', { timeout: 480_000 }, async () => {
    const adminToken = randomBytes(16).toString('hex');
    await seededDataDir(dataDir);
    serve = runCli(['serve'], {
      MASSPAYOUT_DATA_DIR: dataDir,
      MASSPAYOUT_ADMIN_TOKEN: adminToken,
      MASSPAYOUT_SANDBOX_SETTLE_MS: '0',
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      ...written.env,
    });
    const [, url] = await serve.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+)/, 240_000);

    // The CLI is a Node program too: the same variable makes it trust the service.
    const trusted = { NODE_EXTRA_CA_CERTS: written.certFile };
    const create = runCli(['merchant', 'create', '--name', 'TLS Merchant', '--json', '--url', url], { ...trusted, MASSPAYOUT_ADMIN_TOKEN: adminToken });
    expect(await create.exited(120_000), create.output()).toBe(0);
    const merchant = JSON.parse(create.output()) as { merchantId: number; apiKey: string; secretKey: string };
    const deposit = runCli(['deposit', '--merchant', String(merchant.merchantId), '--amount', '100', '--json', '--url', url], { ...trusted, MASSPAYOUT_ADMIN_TOKEN: adminToken });
    expect(await deposit.exited(120_000), deposit.output()).toBe(0);

    const script = path.join(dataDir, 'iyzipay-over-https.mts');
    await writeFile(
      script,
      `import { iyzipayMassPayout } from ${JSON.stringify(clientModule)};
const client = iyzipayMassPayout({ uri: process.env.URL, apiKey: process.env.API_KEY, secretKey: process.env.SECRET_KEY });
try {
  const init = await client.init({ conversationId: 'dev-cert-1', externalId: 'dev-cert-batch', items: [{ itemExternalId: 'a', recipientType: 'IBAN', recipientInfo: ${JSON.stringify(iban)}, recipientName: 'Ayşe Yılmaz', amount: { value: '10.00', currency: 'TRY' } }] });
  const auth = await client.auth({ conversationId: 'dev-cert-2', requestId: init.requestId });
  const retrieve = await client.retrieve({ requestId: init.requestId, page: 0, size: 10 });
  const balance = await client.balance({});
  console.log(JSON.stringify({ init, auth, retrieve, balance }));
} catch (error) {
  console.log(JSON.stringify({ transportError: error.code ?? error.message }));
}
`,
    );
    const credentials = { URL: url, API_KEY: merchant.apiKey, SECRET_KEY: merchant.secretKey };
    const paid = await node(script, { ...credentials, ...trusted });
    expect(paid.code, paid.stderr).toBe(0);
    const answers = JSON.parse(paid.stdout);
    expect(answers.init).toMatchObject({ status: 'success', conversationId: 'dev-cert-1' });
    expect(answers.auth).toMatchObject({ status: 'success', conversationId: 'dev-cert-2' });
    expect(answers.retrieve.massPayout).toMatchObject({ requestId: answers.init.requestId });
    expect(answers.balance).toMatchObject({ status: 'success' });

    const untrusted = await node(script, credentials);
    expect(untrusted.code, untrusted.stderr).toBe(0);
    expect(JSON.parse(untrusted.stdout)).toEqual({ transportError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });

    await stopGracefully(serve);
  });
});
