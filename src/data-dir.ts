import { optionalFromEnv, type Env } from './env.ts';

/**
 * Where `serve` keeps what is not in the database (the embedded database itself, the admin token,
 * the master key) and where `masspayout dev-cert` writes its certificate: MASSPAYOUT_DATA_DIR, else
 * ./data relative to the working directory. One function, so the commands never disagree about it.
 */
export function dataDirFromEnv(env: Env): string {
  return optionalFromEnv(env, 'MASSPAYOUT_DATA_DIR') ?? './data';
}
