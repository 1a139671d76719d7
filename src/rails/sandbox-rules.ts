import { normaliseIban } from '../payouts/recipients.ts';
import type { RejectionReason } from './rail.ts';

/**
 * The sandbox bank's documented test values, decided by the IBAN's last two digits so integrators
 * can drive every path from an ordinary batch:
 *   …99 → REJECTED, the account is closed (RECIPIENT_ACCOUNT_CLOSED);
 *   …98 → PAID, but the answer to the first send is lost: the engine sees a timeout and must find
 *          out through a status query (pending for `settleMs`, then PAID);
 *   anything else → PAID.
 */
export interface SandboxRule {
  status: 'PAID' | 'REJECTED';
  reason: RejectionReason | null;
  firstAnswerLost: boolean;
}

export function sandboxRule(iban: string): SandboxRule {
  const ending = normaliseIban(iban).slice(-2);
  if (ending === '99') return { status: 'REJECTED', reason: 'RECIPIENT_ACCOUNT_CLOSED', firstAnswerLost: false };
  if (ending === '98') return { status: 'PAID', reason: null, firstAnswerLost: true };
  return { status: 'PAID', reason: null, firstAnswerLost: false };
}
