import type { ApiServer, Deps } from '../deps.ts';
import { adminAuditRoutes } from './admin-audit.ts';
import { adminChunkRoutes } from './admin-chunks.ts';
import { adminDepositRoutes } from './admin-deposits.ts';
import { adminLedgerRoutes } from './admin-ledger.ts';
import { adminMemberRoutes } from './admin-members.ts';
import { adminMerchantRoutes } from './admin-merchants.ts';
import { adminBankFileRoutes } from './admin-bank-files.ts';
import { adminSandboxBankRoutes } from './admin-sandbox-bank.ts';
import { adminWebhookRoutes } from './admin-webhooks.ts';
import { authRoute } from './auth.ts';
import { balanceRoute } from './balance.ts';
import { cancelRoute } from './cancel.ts';
import { initRoute } from './init.ts';
import { itemRoute } from './item.ts';
import { retrieveRoute } from './retrieve.ts';

/** The merchant API, under /v1/mass/payout, every route signed (IYZWSv2). */
export function merchantRoutes(app: ApiServer, deps: Deps): void {
  initRoute(app, deps);
  authRoute(app, deps);
  cancelRoute(app, deps);
  balanceRoute(app, deps);
  retrieveRoute(app, deps);
  itemRoute(app, deps);
}

/** The operator API, under /admin/v1, every route behind the admin token. */
export function adminRoutes(app: ApiServer, deps: Deps): void {
  adminMerchantRoutes(app, deps);
  adminDepositRoutes(app, deps);
  adminMemberRoutes(app, deps);
  adminLedgerRoutes(app, deps);
  adminAuditRoutes(app, deps);
  adminSandboxBankRoutes(app, deps);
  adminBankFileRoutes(app, deps);
  adminChunkRoutes(app, deps);
  adminWebhookRoutes(app, deps);
}
