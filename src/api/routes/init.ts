import type { FastifyRequest } from 'fastify';
import { InitRequest, InitResponse, paths } from '../../wire/contract.ts';
import { InitBodyReader } from '../../wire/init-body-reader.ts';
import { errors, type Locale } from '../../errors.ts';
import { limits } from '../../limits.ts';
import { ApiError } from '../errors.ts';
import { success } from '../envelope.ts';
import { validationFailure } from '../framework-errors.ts';
import { holdsUnstorableText } from '../input-guard.ts';
import { localeOf } from '../locale.ts';
import { streamedBody } from '../streamed-body.ts';
import { streamedSignatureOf } from '../streamed-signature.ts';
import { LocaleQuery, responses } from '../../wire/schemas.ts';
import type { ApiServer, Deps } from '../deps.ts';
import type { Tx } from '../../db/port.ts';
import { logBatchChange } from '../../observability/batch-log.ts';
import { FingerprintHasher } from '../../payouts/fingerprint.ts';
import { type InvalidEntry, initBatchStreamed, type SettledRequest } from '../../payouts/init-streamed.ts';

/**
 * POST /v1/mass/payout/init: validate every item, store the batch INIT, answer with its id and the
 * invalid items. The body is read as it arrives (up to 1,000,000 items, hundreds of MB): each item
 * is validated, fingerprinted and written as soon as its bytes are in, while the same bytes go
 * through the signature's HMAC; the signature, the body's other members and the limits decide once
 * it has ended, before the batch commits. A refusal answers exactly as for a body read whole.
 */
export function initRoute(app: ApiServer, deps: Deps): void {
  app.post(
    paths.init,
    {
      bodyLimit: deps.config.requestBodyBytesMax,
      config: { streamedBody: true },
      // The body is validated by the handler once read (settle below), with this route's own schema.
      attachValidation: true,
      schema: {
        tags: ['mass payout'],
        summary: 'Create a mass payout (first phase)',
        security: [{ IYZWSv2: [] }],
        querystring: LocaleQuery,
        body: InitRequest,
        response: responses(InitResponse),
      },
    },
    async (request, reply) => {
      try {
        return await initStreamed(request, deps);
      } catch (error) {
        // Refused before its last byte was read (413, a fault): the rest is not worth reading.
        if (!request.raw.complete) reply.header('connection', 'close');
        throw error;
      }
    },
  );
}

/** Reads, checks and stores one init as its body arrives. */
async function initStreamed(request: FastifyRequest, deps: Deps) {
  const signature = streamedSignatureOf(request);
  const merchant = signature.claimed;
  const reader = new InitBodyReader();
  let hasher: FingerprintHasher | undefined;
  // A body chunk's items are handed over together: one await per chunk, not per item.
  async function* items(): AsyncGenerator<unknown[]> {
    for await (const chunk of streamedBody(request, deps.config.requestBodyBytesMax)) {
      const completed = reader.push(chunk);
      if (completed.length === 0) continue;
      hasher ??= new FingerprintHasher(knownBeforeItems(reader.membersBeforeItems));
      for (const item of completed) hasher.add(item);
      yield completed;
    }
  }
  const { outcome, invalid } = await initBatchStreamed(deps.db, {
    merchant,
    actor: `merchant:${merchant.apiKey}`,
    itemsPerBatchMax: deps.config.itemsPerBatchMax,
    items: items(),
    settle: async (itemCount, tx) => {
      const settled = await settle(request, reader, itemCount, deps.config.itemsPerBatchMax, tx);
      const fingerprint = (hasher ?? new FingerprintHasher()).finish(settled.externalId, settled.purpose);
      return { ...settled, fingerprint };
    },
  });
  if (outcome.kind === 'conflict') throw new ApiError('EXTERNAL_ID_CONFLICT');
  if (outcome.kind === 'created') logBatchChange(request.log, { batchId: outcome.requestId, merchantId: merchant.id, to: 'INIT', actor: `merchant:${merchant.apiKey}` });
  return success(request, { requestId: outcome.requestId, invalidItems: invalidItemsOf(invalid, localeOf(request)) });
}

function knownBeforeItems(members: Readonly<Record<string, unknown>> | undefined) {
  return members === undefined ? undefined : { externalId: members.externalId, purpose: members.purpose };
}

/**
 * The body has ended: the checks a body read whole gets, in the same order — signature and replay,
 * nesting, JSON, characters, schema (the query's too), then the item count.
 */
async function settle(request: FastifyRequest, reader: InitBodyReader, itemCount: number, itemsMax: number, tx: Tx | undefined): Promise<Omit<SettledRequest, 'fingerprint'>> {
  const read = reader.end();
  // What a refusal echoes (conversationId) and speaks in (locale) comes from the body's top level.
  if (read.body !== undefined) request.body = read.body;
  await streamedSignatureOf(request).confirm(request, tx);
  if (read.fault === 'NESTING_TOO_DEEP') throw new ApiError('NESTING_TOO_DEEP', `at most ${limits.jsonDepthLevelsMax} levels`);
  if (read.fault === 'MALFORMED_JSON') throw new ApiError('MALFORMED_JSON');
  if (holdsUnstorableText(read.body, itemsCheckedOneByOne)) throw new ApiError('INVALID_CHARACTERS');
  if (read.refusal) throw new ApiError('INVALID_REQUEST', read.refusal);
  const body = request.getValidationFunction('body');
  const query = request.getValidationFunction('querystring');
  if (!body || !query) throw new Error('init route without its compiled schemas');
  if (!body(read.body)) throw validationFailure(body.errors ?? [], 'body');
  if (!query(request.query)) throw validationFailure(query.errors ?? [], 'querystring');
  if (itemCount === 0) throw new ApiError('NO_ITEMS');
  if (itemCount > itemsMax) throw new ApiError('TOO_MANY_ITEMS', `at most ${itemsMax}`);
  const fields = read.body as InitRequest;
  return { externalId: fields.externalId, conversationId: fields.conversationId ?? null, purpose: fields.purpose ?? null };
}

/** A NUL or a lone surrogate in an item makes that item INVALID (validate-item.ts), not the request. */
const itemsCheckedOneByOne = new Set(['items']);

function invalidItemsOf(invalid: readonly InvalidEntry[], locale: Locale) {
  return invalid.map((entry) => ({
    externalId: entry.externalId,
    errorCode: errors[entry.reasons[0]].code,
    errorMessage: entry.reasons.map((reason) => errors[reason][locale]).join('; '),
  }));
}
