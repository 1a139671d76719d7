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

const booleans: Record<string, boolean> = { '': false, '0': false, false: false, '1': true, true: true };

/** MASSPAYOUT_TLS_CERT_FILE, MASSPAYOUT_TLS_KEY_FILE (both or neither), MASSPAYOUT_TRUST_FORWARDED_PROTO. */
export function tlsConfigFromEnv(env: NodeJS.ProcessEnv): TlsConfig {
  const certFile = env.MASSPAYOUT_TLS_CERT_FILE || undefined;
  const keyFile = env.MASSPAYOUT_TLS_KEY_FILE || undefined;
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('MASSPAYOUT_TLS_CERT_FILE and MASSPAYOUT_TLS_KEY_FILE go together: set both (HTTPS) or neither (HTTP)');
  }
  const trust = booleans[(env.MASSPAYOUT_TRUST_FORWARDED_PROTO ?? '').toLowerCase()];
  if (trust === undefined) throw new Error(`MASSPAYOUT_TRUST_FORWARDED_PROTO must be 1 or 0, got "${env.MASSPAYOUT_TRUST_FORWARDED_PROTO}"`);
  return { certFile, keyFile, trustForwardedProto: trust };
}
