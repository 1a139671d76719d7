import { appendAudit } from '../audit/transaction-events.ts';
import type { Tx } from '../db/port.ts';

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
