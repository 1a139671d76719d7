import type { Queryable } from '../db/port.ts';

export type WalletRecipientType = 'MEMBER_ID' | 'PHONE' | 'IDENTITY_NUMBER';

export interface WalletRecipient {
  recipientType: WalletRecipientType;
  recipientInfo: string;
}

/**
 * The registered member each recipient names (by id, phone or identity number), or undefined; in
 * the order given, one statement for any number of recipients. Three joins on the three unique
 * columns rather than one join with an OR, so each side uses its index.
 */
export async function findMemberIds(db: Queryable, recipients: readonly WalletRecipient[]): Promise<(string | undefined)[]> {
  if (recipients.length === 0) return [];
  const found = await db.query<{ ord: number; member_id: string | null }>(
    `select r.ord::int as ord, coalesce(by_id.member_id, by_phone.member_id, by_identity.member_id) as member_id
     from unnest($1::text[], $2::text[]) with ordinality as r(recipient_type, recipient_info, ord)
     left join members by_id on r.recipient_type = 'MEMBER_ID' and by_id.member_id = r.recipient_info
     left join members by_phone on r.recipient_type = 'PHONE' and by_phone.phone = r.recipient_info
     left join members by_identity on r.recipient_type = 'IDENTITY_NUMBER' and by_identity.identity_number = r.recipient_info
     order by r.ord`,
    [recipients.map((r) => r.recipientType), recipients.map((r) => r.recipientInfo)],
  );
  if (found.rowCount !== recipients.length) throw new Error(`member lookup answered ${found.rowCount} of ${recipients.length} recipients`);
  return found.rows.map((row) => row.member_id ?? undefined);
}
