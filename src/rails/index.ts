import type { Queryable } from '../db/port.ts';
import type { Rails } from './rail.ts';
import type { SandboxConfig } from './sandbox-config.ts';
import { sandboxBank } from './sandbox-bank.ts';
import { walletRail } from './wallet.ts';

/** The rails a worker pays through: the sandbox bank (until a real bank adapter is configured) and the wallet. */
export function createRails(db: Queryable, sandbox: SandboxConfig): Rails {
  return { bank: sandboxBank(db, sandbox), wallet: walletRail(db) };
}
