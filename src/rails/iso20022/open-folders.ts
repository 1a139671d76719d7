import type { FileTransportConfig } from './iso20022-config.ts';
import { localFolders } from './local-folders.ts';
import type { FileFolders } from './transport.ts';

export async function openFolders(transport: FileTransportConfig): Promise<FileFolders> {
  if (transport.kind === 'local') return localFolders();
  const { sftpFolders } = await import('./sftp-folders.ts');
  return sftpFolders(transport);
}
