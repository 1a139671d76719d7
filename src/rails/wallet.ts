import { InvariantError } from '../faults.ts';
import type { Queryable } from '../db/port.ts';
import { limits } from '../limits.ts';
import { findMemberIds, type WalletRecipient, type WalletRecipientType } from '../members/find-members.ts';
import { batched } from './batcher.ts';
import type { Rail } from './rail.ts';

const walletTypes: readonly string[] = ['MEMBER_ID', 'PHONE', 'IDENTITY_NUMBER'] satisfies WalletRecipientType[];

/**
 * The platform's own wallet. Sending is finding the registered member: the money itself moves in
 * the settlement's ledger posting (reserved → that member's wallet account), in the same
 * transaction that makes the item SUCCESS. So the wallet holds nothing under a key until that
 * transaction commits, and after it the item is no longer QUEUED: `status` is always UNKNOWN, and
 * the engine simply sends again (looks up again), which moves no money by itself.
 */
export function walletRail(db: Queryable): Rail {
  const lookup = batched((recipients: WalletRecipient[]) => findMemberIds(db, recipients), limits.railCallsPerStatementMax);
  return {
    name: 'wallet',
    async send(_key, item) {
      if (!walletTypes.includes(item.recipientType)) throw new InvariantError(`wallet rail cannot pay a ${item.recipientType} recipient`);
      const memberId = await lookup({ recipientType: item.recipientType as WalletRecipientType, recipientInfo: item.recipientInfo });
      return memberId === undefined ? { kind: 'REJECTED', reason: 'RECIPIENT_UNKNOWN' } : { kind: 'PAID', walletMemberId: memberId };
    },
    async status() {
      return 'UNKNOWN';
    },
  };
}
