import { appendAudit } from '../audit/append.ts';
import type { Queryable, Tx } from '../db/port.ts';

export interface Member {
  memberId: string;
  phone: string | null;
  identityNumber: string | null;
  name: string;
}

/** Registers a wallet member; false when the id, phone or identity number is taken. */
export async function registerMember(tx: Tx, member: Member): Promise<boolean> {
  const inserted = await tx.query(
    `insert into members (member_id, phone, identity_number, name) values ($1, $2, $3, $4) on conflict do nothing`,
    [member.memberId, member.phone, member.identityNumber, member.name],
  );
  if (inserted.rowCount === 0) return false;
  await appendAudit(tx, { chainId: 0n, actor: 'admin' }, [
    { action: 'member.registered', entity: `member:${member.memberId}`, after: { ...member } },
  ]);
  return true;
}

/** The member a wallet payout reaches, by recipient type; undefined when nobody is registered. */
export async function findMember(db: Queryable, recipientType: 'MEMBER_ID' | 'PHONE' | 'IDENTITY_NUMBER', recipientInfo: string): Promise<Member | undefined> {
  const column = { MEMBER_ID: 'member_id', PHONE: 'phone', IDENTITY_NUMBER: 'identity_number' }[recipientType];
  const result = await db.query<{ member_id: string; phone: string | null; identity_number: string | null; name: string }>(
    `select member_id, phone, identity_number, name from members where ${column} = $1`,
    [recipientInfo],
  );
  const row = result.rows[0];
  return row ? { memberId: row.member_id, phone: row.phone, identityNumber: row.identity_number, name: row.name } : undefined;
}
