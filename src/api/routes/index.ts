import type { ApiServer, Deps } from '../server.ts';
import { adminDepositRoutes } from './admin-deposits.ts';
import { adminMemberRoutes } from './admin-members.ts';
import { adminMerchantRoutes } from './admin-merchants.ts';

/** The merchant API, under /v1/mass/payout, every route signed (IYZWSv2). */
export function merchantRoutes(app: ApiServer, deps: Deps): void {
  void app;
  void deps;
}

/** The operator API, under /admin/v1, every route behind the admin token. */
export function adminRoutes(app: ApiServer, deps: Deps): void {
  adminMerchantRoutes(app, deps);
  adminDepositRoutes(app, deps);
  adminMemberRoutes(app, deps);
}
