import { booleanFromEnv, optionalFromEnv, type Env } from '../env.ts';

/**
 * HTTPS for `serve`: with both files set the service listens with TLS (HTTP/1.1) itself; without
 * them it speaks plain HTTP and is meant to sit behind a TLS-terminating load balancer.
 */
export interface TlsConfig {
  /** PEM certificate (chain) file: MASSPAYOUT_TLS_CERT_FILE. */
  certFile?: string;
  /** PEM private key file: MASSPAYOUT_TLS_KEY_FILE. */
  keyFile?: string;
  /**
   * MASSPAYOUT_TRUST_FORWARDED_PROTO=1: the scheme of a request is its X-Forwarded-Proto header (set
   * by a load balancer that terminates TLS) rather than the connection's. Only the full-URL form of a
   * signature reads the scheme.
   */
  trustForwardedProto: boolean;
}

/** MASSPAYOUT_TLS_CERT_FILE, MASSPAYOUT_TLS_KEY_FILE (both or neither), MASSPAYOUT_TRUST_FORWARDED_PROTO. */
export function tlsConfigFromEnv(env: Env): TlsConfig {
  const certFile = optionalFromEnv(env, 'MASSPAYOUT_TLS_CERT_FILE');
  const keyFile = optionalFromEnv(env, 'MASSPAYOUT_TLS_KEY_FILE');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('MASSPAYOUT_TLS_CERT_FILE and MASSPAYOUT_TLS_KEY_FILE go together: set both (HTTPS) or neither (HTTP)');
  }
  return { certFile, keyFile, trustForwardedProto: booleanFromEnv(env, 'MASSPAYOUT_TRUST_FORWARDED_PROTO', false) };
}
