import type { RejectionReason } from '../rail.ts';

/**
 * The bank's ISO 20022 reason codes (ExternalStatusReason1Code, ExternalReturnReason1Code) as
 * catalogue reasons. The ISO code itself is kept on the item (bankReasonCode on the wire); a code
 * not listed here is shown as the rail's generic rejection.
 */
const byIsoCode: Record<string, RejectionReason> = {
  AC01: 'BANK_ACCOUNT_INCORRECT',
  AC03: 'BANK_ACCOUNT_INCORRECT',
  AC04: 'RECIPIENT_ACCOUNT_CLOSED',
  AC06: 'BANK_ACCOUNT_BLOCKED',
  AM04: 'BANK_INSUFFICIENT_FUNDS',
  MS03: 'BANK_REASON_NOT_SPECIFIED',
  MD07: 'BANK_BENEFICIARY_DECEASED',
};

export function rejectionReasonOf(isoCode: string | null | undefined): RejectionReason {
  return (isoCode && byIsoCode[isoCode]) || (isoCode === undefined || isoCode === null ? 'BANK_REASON_NOT_SPECIFIED' : 'RAIL_REJECTED');
}
