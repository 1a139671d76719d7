import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sftpFolders } from '../src/rails/iso20022/sftp-folders.ts';
import type { FileFolders } from '../src/rails/iso20022/transport.ts';
import { sshdMissing, sshdPath, startSshd, type TestSshd } from './support/sshd.ts';

/** The SFTP transport against a real OpenSSH server started here (test/support/sshd.ts). */
describe.skipIf(sshdMissing)(`the bank rail over SFTP (a real OpenSSH server; needs ${sshdPath}, Debian's openssh-server, which .ci/run installs)`, () => {
  let sshd: TestSshd;
  let dir: string;
  let folders: FileFolders;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = sshd.dir;
    folders = await sftpFolders({ url: sshd.url, privateKeyFile: sshd.privateKeyFile });
  }, 60_000);

  afterAll(async () => {
    await folders?.close();
    await sshd?.stop();
  });

  it('writes a file once under its name (never over it), lists, reads and moves files on the server', async () => {
    const outbox = path.join(dir, 'outbox');
    expect(await folders.writeNew(outbox, 'pain.001.MP1.xml', '<Document/>')).toBe('written');
    expect(await folders.writeNew(outbox, 'pain.001.MP1.xml', 'something else')).toBe('exists');
    expect(await readFile(path.join(outbox, 'pain.001.MP1.xml'), 'utf8')).toBe('<Document/>');
    await writeFile(path.join(outbox, '.hidden.part'), 'x');
    expect(await folders.list(outbox)).toEqual([{ name: 'pain.001.MP1.xml', size: 11 }]);
    expect((await folders.read(outbox, 'pain.001.MP1.xml')).toString()).toBe('<Document/>');
    await folders.moveInto(outbox, 'pain.001.MP1.xml', 'processed');
    await folders.writeNew(outbox, 'pain.001.MP1.xml', 'again');
    await folders.moveInto(outbox, 'pain.001.MP1.xml', 'processed');
    expect(await folders.list(outbox)).toEqual([]);
    expect((await folders.list(path.join(outbox, 'processed'))).map((f) => f.name)).toEqual(['pain.001.MP1.xml', 'pain.001.MP1.xml.1']);
  }, 60_000);
});
