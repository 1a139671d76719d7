import { numberFromEnv, type Env } from '../env.ts';
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

/** MASSPAYOUT_SANDBOX_LATENCY_MS, MASSPAYOUT_SANDBOX_FAULT_RATE, MASSPAYOUT_SANDBOX_SETTLE_MS. */
export function sandboxConfigFromEnv(env: Env): SandboxConfig {
  return {
    latencyMs: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_LATENCY_MS', defaultSandboxConfig.latencyMs, { min: 0, max: limits.sandboxLatencyMsMax }),
    faultRate: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_FAULT_RATE', defaultSandboxConfig.faultRate, { min: 0, max: limits.sandboxFaultRateMax }),
    settleMs: numberFromEnv(env, 'MASSPAYOUT_SANDBOX_SETTLE_MS', defaultSandboxConfig.settleMs, { min: 0, max: limits.sandboxSettleMsMax }),
  };
}
