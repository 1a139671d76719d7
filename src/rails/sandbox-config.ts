import { limits } from '../limits.ts';

/** How the built-in sandbox bank behaves: for tests, demos and benchmarks. */
export interface SandboxConfig {
  /** Added to every call (send or status), in ms; calls in flight overlap, as with a real bank. */
  latencyMs: number;
  /** Probability (0..1) that a call ends ambiguously: half of those lose the request, half the answer. */
  faultRate: number;
  /** A transfer whose first answer was lost (IBAN ending 98) answers "pending" for this long, in ms. */
  settleMs: number;
}

export const defaultSandboxConfig: SandboxConfig = { latencyMs: 0, faultRate: 0, settleMs: limits.sandboxSettleMs };

function numberFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) throw new Error(`${name} must be a number between 0 and ${max}, got "${raw}"`);
  return value;
}

/** MASSPAYOUT_SANDBOX_LATENCY_MS, MASSPAYOUT_SANDBOX_FAULT_RATE, MASSPAYOUT_SANDBOX_SETTLE_MS. */
export function sandboxConfigFromEnv(env: NodeJS.ProcessEnv): SandboxConfig {
  return {
    latencyMs: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_LATENCY_MS', defaultSandboxConfig.latencyMs, 60_000),
    // 1 would never pay anything; 0.9 still lets every payout through after a few attempts.
    faultRate: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_FAULT_RATE', defaultSandboxConfig.faultRate, 0.9),
    settleMs: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_SETTLE_MS', defaultSandboxConfig.settleMs, 60_000),
  };
}
