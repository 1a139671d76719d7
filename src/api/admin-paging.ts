import { Type } from 'typebox';
import { limits } from '../limits.ts';
import { ApiError } from './errors.ts';

/** `limit` and `afterId` of the admin list endpoints (query strings: digits only), and `locale` as everywhere. */
export const PagingQuery = {
  locale: Type.Optional(Type.String({ maxLength: 8, description: 'tr or en: the language of errorMessage' })),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$', description: `rows per page, 1..${limits.adminPageRowsMax} (default ${limits.adminPageRowsMax})` })),
  afterId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'the nextAfterId of the previous page' })),
};

export function pagingOf(query: { limit?: string; afterId?: string }): { limit: number; afterId: bigint } {
  const limit = query.limit === undefined ? limits.adminPageRowsMax : Number(query.limit);
  if (limit < 1 || limit > limits.adminPageRowsMax) throw new ApiError('INVALID_REQUEST', `limit must be 1..${limits.adminPageRowsMax}`);
  return { limit, afterId: query.afterId === undefined ? 0n : BigInt(query.afterId) };
}
