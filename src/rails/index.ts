import type { Queryable } from '../db/port.ts';
import { fileRail } from './iso20022/file-rail.ts';
import type { Iso20022Config } from './iso20022/iso20022-config.ts';
import type { Rails } from './rail.ts';
import type { SandboxConfig } from './sandbox-config.ts';
import { sandboxBank } from './sandbox-bank.ts';
import { walletRail } from './wallet.ts';

/** The rails a worker pays through: the bank (the sandbox bank, or ISO 20022 files when configured) and the wallet. */
export function createRails(db: Queryable, sandbox: SandboxConfig, iso20022?: Iso20022Config): Rails {
  return { bank: iso20022 ? fileRail(db) : sandboxBank(db, sandbox), wallet: walletRail(db) };
}
