import type { ErrorName } from '../errors.ts';
import type { Currency } from '../money.ts';
import type { RecipientType } from '../payouts/statuses.ts';

/** What a rail needs to move one payout. */
export interface RailItem {
  recipientType: RecipientType;
  recipientInfo: string;
  recipientName: string | null;
  /** The item's description: a bank file carries it as remittance information. */
  description: string | null;
  /** Minor units. */
  amount: bigint;
  currency: Currency;
}

/** Catalogue names a rail may give as the reason of a rejection (stored as their codes in error_codes). */
export type RejectionReason = Extract<
  ErrorName,
  | 'RECIPIENT_ACCOUNT_CLOSED'
  | 'RECIPIENT_UNKNOWN'
  | 'RAIL_REJECTED'
  | 'BANK_ACCOUNT_INCORRECT'
  | 'BANK_ACCOUNT_BLOCKED'
  | 'BANK_INSUFFICIENT_FUNDS'
  | 'BANK_REASON_NOT_SPECIFIED'
  | 'BANK_BENEFICIARY_DECEASED'
>;

export type RailName = 'sandbox-bank' | 'iso20022-bank' | 'wallet';

/**
 * A rail's answer about one payout. PAID and REJECTED are final; AMBIGUOUS (a timeout, a lost
 * answer, a transfer still pending) means the money may or may not have moved: the item stays
 * QUEUED and the rail is asked again, under the same key, later. Never a reason to release funds.
 */
export type RailOutcome =
  /** `walletMemberId`: the wallet rail's answer names the member whose wallet the ledger credits. */
  | { kind: 'PAID'; walletMemberId?: string }
  /** `bankReason`: the bank's own code (ISO 20022: AC04, …), kept on the item next to the catalogue reason. */
  | { kind: 'REJECTED'; reason: RejectionReason; bankReason?: string }
  /** `retryAfterMs`: when the rail itself will know more (else the engine's backoff decides when to ask again). */
  | { kind: 'AMBIGUOUS'; detail: string; retryAfterMs?: number };

/**
 * A payment rail. `key` is the item's referenceCode, the idempotency key of the payout: the rail
 * moves money at most once per key, and a second send under a key it knows answers with that
 * transfer's outcome. `status` answers 'UNKNOWN' when the rail never received the key — only then
 * may the engine send (again, under the same key).
 */
export interface Rail {
  readonly name: RailName;
  send(key: string, item: RailItem): Promise<RailOutcome>;
  status(key: string): Promise<RailOutcome | 'UNKNOWN'>;
}

export interface Rails {
  bank: Rail;
  wallet: Rail;
}

/** IBANs go to the bank; member ids, phones and identity numbers to the platform's wallet. */
export function railFor(rails: Rails, recipientType: RecipientType): Rail {
  return recipientType === 'IBAN' ? rails.bank : rails.wallet;
}
