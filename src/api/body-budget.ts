import type { FastifyReply } from 'fastify';
import { limits } from '../limits.ts';
import { ApiError } from './errors.ts';

/**
 * Bytes of request bodies held in memory at once, across every connection, before their signature
 * is checked. The apiKey is no secret (it travels in every header): without a budget, eight
 * connections with a known apiKey and a wrong signature made the server hold 8 × 60 MB. A body up
 * to limits.bodyBytesUnbudgetedMax is always read; a larger one first reserves its length here
 * and waits, at most limits.bodyBudgetWaitMs, for room, then gets 503 with Retry-After. Its bytes
 * are not read while it waits, so TCP holds the client back, not our memory.
 */
export class BodyBudget {
  private held = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly totalBytes: number) {}

  /** Bytes reserved right now. */
  inUse(): number {
    return this.held;
  }

  /** Reserves `bytes`, waiting up to `waitMs`; false when no room came in time. A body alone may take more than the total. */
  async reserve(bytes: number, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    while (this.held > 0 && this.held + bytes > this.totalBytes) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held -= bytes;
    for (const wake of [...this.waiters]) wake();
  }
}

/**
 * Takes room in `budget` for `bytes` of this request's body, given back once when its response
 * ends (sent, or the connection cut); throws SERVICE_BUSY (503) when no room came within `waitMs`.
 */
export async function reserveBody(budget: BodyBudget, reply: FastifyReply, bytes: number, waitMs: number = limits.bodyBudgetWaitMs): Promise<void> {
  if (!(await budget.reserve(bytes, waitMs))) throw new ApiError('SERVICE_BUSY');
  let released = false;
  reply.raw.once('close', () => {
    if (released) return;
    released = true;
    budget.release(bytes);
  });
}
