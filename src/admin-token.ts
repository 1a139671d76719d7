import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface AdminToken {
  token: string;
  /** Where the token came from, for the start-up message. */
  source: 'env' | 'generated' | 'file';
  file?: string;
}

/**
 * MASSPAYOUT_ADMIN_TOKEN when set; otherwise a token generated at first start and kept in
 * `<dataDir>/admin.token` (mode 0600), so it survives restarts without living in the database.
 */
export async function resolveAdminToken(configured: string | undefined, dataDir: string): Promise<AdminToken> {
  if (configured) return { token: configured, source: 'env' };
  const file = path.resolve(dataDir, 'admin.token');
  if (existsSync(file)) return { token: (await readFile(file, 'utf8')).trim(), source: 'file', file };
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, token + '\n', { mode: 0o600 });
  return { token, source: 'generated', file };
}
