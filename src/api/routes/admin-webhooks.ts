import { Type } from 'typebox';
import { countWebhookAttempt } from '../../observability/metrics.ts';
import { retryDeliveryNow } from '../../webhooks/attempt.ts';
import { createEndpoint, deleteEndpoint, disableEndpoint, enableEndpoint, getEndpoint, listEndpoints, rotateSecret, type WebhookEndpoint } from '../../webhooks/endpoints.ts';
import { isWebhookEventType, itemEventModes, webhookEventTypes } from '../../webhooks/event-types.ts';
import { getDelivery, listDeliveries, type WebhookDelivery } from '../../webhooks/list-deliveries.ts';
import { checkWebhookUrl } from '../../webhooks/url-safety.ts';
import { limits } from '../../limits.ts';
import { responses } from '../../wire/schemas.ts';
import { PagingQuery, pagingOf } from '../admin-paging.ts';
import type { ApiServer, Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';

const id = Type.String({ pattern: '^[0-9]{1,18}$' });
const MerchantParams = Type.Object({ merchantId: id });
const EndpointParams = Type.Object({ merchantId: id, webhookId: id });
const DeliveryParams = Type.Object({ merchantId: id, webhookId: id, deliveryId: id });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const ItemEvents = Type.Union(
  [Type.Literal(itemEventModes[0]), Type.Literal(itemEventModes[1])],
  { description: "'grouped' (default): item outcomes arrive grouped, a settlement's paid items in one mass_payout.items.settled and its refunds in another, up to 1,000 items each; 'each': one event per item" },
);

const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: limits.webhookUrlCharsMax, description: 'https:// and resolving to public addresses (http and private addresses only with MASSPAYOUT_WEBHOOK_ALLOW_PRIVATE=1)' }),
    events: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: webhookEventTypes.length, description: `the event types to send; all when absent: ${webhookEventTypes.join(', ')}` })),
    itemEvents: Type.Optional(ItemEvents),
  },
  { additionalProperties: false },
);

const Endpoint = Type.Object({
  id: Type.String(),
  merchantId: Type.Integer(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  itemEvents: ItemEvents,
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  disabledReason: nullable(Type.String()),
  disabledAt: nullable(Type.String({ format: 'date-time' })),
  consecutiveFailures: Type.Integer({ description: 'failed attempts in a row; 100 over 24 h disable the endpoint' }),
  lastSuccessAt: nullable(Type.String({ format: 'date-time' })),
  previousSecretExpiresAt: nullable(Type.String({ format: 'date-time', description: 'during a rotation: until then the previous secret signs too' })),
  createdAt: Type.String({ format: 'date-time' }),
});
const EndpointWithSecret = Type.Intersect([Endpoint, Type.Object({ secret: Type.String({ description: 'whsec_… (Standard Webhooks): shown once; store it now' }) })]);

const Attempt = Type.Object({
  at: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  httpStatus: nullable(Type.Integer()),
  error: nullable(Type.String({ description: 'the network error (timeout, refused, address not allowed) or a redirect not followed' })),
  manual: Type.Boolean({ description: "an operator's re-send, outside the schedule" }),
});
const Delivery = Type.Object({
  id: Type.String(),
  messageId: Type.String({ description: 'the webhook-id header, the same on every attempt' }),
  eventType: Type.String(),
  requestId: Type.String({ format: 'uuid' }),
  sequence: Type.Integer(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attempts: Type.Integer({ description: 'scheduled attempts made' }),
  nextAttemptAt: nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: nullable(Type.String({ format: 'date-time' })),
  attemptLog: Type.Array(Attempt),
});

function endpointView(e: WebhookEndpoint) {
  return {
    id: e.id.toString(),
    merchantId: Number(e.merchantId),
    url: e.url,
    events: e.events,
    itemEvents: e.itemEvents,
    status: e.status,
    disabledReason: e.disabledReason,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    consecutiveFailures: e.consecutiveFailures,
    lastSuccessAt: e.lastSuccessAt?.toISOString() ?? null,
    previousSecretExpiresAt: e.previousSecretUntil?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id.toString(),
    messageId: d.messageId,
    eventType: d.eventType,
    requestId: d.batchId,
    sequence: Number(d.sequence),
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    attemptLog: d.attemptLog.map((a) => ({ at: a.at.toISOString(), durationMs: a.durationMs, httpStatus: a.httpStatus, error: a.error, manual: a.manual })),
  };
}

const base = '/admin/v1/merchants/:merchantId/webhooks';
const admin = { tags: ['admin'], security: [{ adminToken: [] }] };

/** The operator's management of a merchant's webhook endpoints and their deliveries. */
export function adminWebhookRoutes(app: ApiServer, deps: Deps): void {
  const endpointOr404 = async (merchantId: string, webhookId: string) => {
    const endpoint = await getEndpoint(deps.db, BigInt(merchantId), BigInt(webhookId));
    if (!endpoint) throw new ApiError('WEBHOOK_NOT_FOUND');
    return endpoint;
  };

  app.post(
    base,
    { schema: { ...admin, summary: 'Register a webhook endpoint: its secret is shown once', params: MerchantParams, body: CreateBody, response: responses(EndpointWithSecret, 201) } },
    async (request, reply) => {
      const events = request.body.events ?? [...webhookEventTypes];
      const unknown = events.filter((e) => !isWebhookEventType(e));
      if (unknown.length > 0) throw new ApiError('WEBHOOK_EVENT_UNKNOWN', `${unknown.join(', ')}; known: ${webhookEventTypes.join(', ')}`);
      const checked = await checkWebhookUrl(request.body.url, deps.config.webhooks.allowPrivate);
      if (!checked.ok) throw new ApiError(checked.reason === 'private' ? 'WEBHOOK_URL_NOT_PUBLIC' : 'WEBHOOK_URL_INVALID', checked.detail);
      const created = await deps.db.transaction((tx) =>
        createEndpoint(tx, deps.box, BigInt(request.params.merchantId), checked.url.href, [...new Set(events)], request.body.itemEvents ?? 'grouped'),
      );
      if (!created.ok) throw new ApiError(created.code, created.code === 'WEBHOOK_ENDPOINTS_LIMIT' ? `at most ${limits.webhookEndpointsPerMerchantMax}` : undefined);
      reply.status(201);
      return { ...endpointView(created.endpoint), secret: created.secret };
    },
  );

  app.get(
    base,
    { schema: { ...admin, summary: "A merchant's webhook endpoints (never their secrets)", params: MerchantParams, response: responses(Type.Object({ endpoints: Type.Array(Endpoint) })) } },
    async (request) => ({ endpoints: (await listEndpoints(deps.db, BigInt(request.params.merchantId))).map(endpointView) }),
  );

  app.post(
    `${base}/:webhookId/disable`,
    { schema: { ...admin, summary: 'Disable an endpoint: nothing is sent to it; its deliveries wait', params: EndpointParams, response: responses(Endpoint) } },
    async (request) => {
      const endpoint = await disableEndpoint(deps.db, BigInt(request.params.merchantId), BigInt(request.params.webhookId), 'disabled by the operator');
      if (!endpoint) throw new ApiError('WEBHOOK_NOT_FOUND');
      return endpointView(endpoint);
    },
  );

  app.post(
    `${base}/:webhookId/enable`,
    { schema: { ...admin, summary: 'Enable an endpoint again (after a 410, the failure streak, or an operator): its waiting deliveries go out', params: EndpointParams, response: responses(Endpoint) } },
    async (request) => {
      const endpoint = await enableEndpoint(deps.db, BigInt(request.params.merchantId), BigInt(request.params.webhookId));
      if (!endpoint) throw new ApiError('WEBHOOK_NOT_FOUND');
      return endpointView(endpoint);
    },
  );

  app.delete(
    `${base}/:webhookId`,
    { schema: { ...admin, summary: 'Delete an endpoint with its deliveries and their attempts', params: EndpointParams, response: responses(Type.Object({ id: Type.String(), deleted: Type.Literal(true) })) } },
    async (request) => {
      if (!(await deleteEndpoint(deps.db, BigInt(request.params.merchantId), BigInt(request.params.webhookId)))) throw new ApiError('WEBHOOK_NOT_FOUND');
      return { id: request.params.webhookId, deleted: true as const };
    },
  );

  app.post(
    `${base}/:webhookId/rotate`,
    {
      schema: {
        ...admin,
        summary: 'Rotate the secret: the new one is shown once; the previous one keeps signing for 24 h',
        params: EndpointParams,
        response: responses(EndpointWithSecret),
      },
    },
    async (request) => {
      const rotated = await rotateSecret(deps.db, deps.box, BigInt(request.params.merchantId), BigInt(request.params.webhookId));
      if (!rotated) throw new ApiError('WEBHOOK_NOT_FOUND');
      return { ...endpointView(rotated.endpoint), secret: rotated.secret };
    },
  );

  app.get(
    `${base}/:webhookId/deliveries`,
    {
      schema: {
        ...admin,
        summary: "An endpoint's deliveries, oldest first, each with every attempt (time, HTTP status or network error, duration)",
        params: EndpointParams,
        querystring: Type.Object(PagingQuery, { additionalProperties: false }),
        response: responses(Type.Object({ deliveries: Type.Array(Delivery), nextAfterId: Type.Union([Type.String(), Type.Null()], { description: 'afterId of the next page; null on the last page' }) })),
      },
    },
    async (request) => {
      const endpoint = await endpointOr404(request.params.merchantId, request.params.webhookId);
      const paging = pagingOf(request.query);
      const deliveries = await listDeliveries(deps.db, endpoint.id, paging);
      return { deliveries: deliveries.map(deliveryView), nextAfterId: deliveries.length === paging.limit ? deliveries[deliveries.length - 1].id.toString() : null };
    },
  );

  app.post(
    `${base}/:webhookId/deliveries/:deliveryId/retry`,
    {
      schema: {
        ...admin,
        summary: 'Re-send one delivery now (same webhook-id), whatever its status; answers with the delivery and this attempt in its log',
        params: DeliveryParams,
        response: responses(Delivery),
      },
    },
    async (request) => {
      const endpoint = await endpointOr404(request.params.merchantId, request.params.webhookId);
      const context = { db: deps.db, config: deps.config.webhooks, claimer: `admin:${process.pid}`, log: (line: string) => request.log.warn(line), onAttempt: countWebhookAttempt };
      const done = await retryDeliveryNow(context, deps.box, { merchantId: endpoint.merchantId, endpointId: endpoint.id, deliveryId: BigInt(request.params.deliveryId) });
      if (done === undefined) throw new ApiError('WEBHOOK_DELIVERY_NOT_FOUND');
      if (done === 'in-flight') throw new ApiError('WEBHOOK_DELIVERY_IN_FLIGHT');
      const delivery = await getDelivery(deps.db, endpoint.id, BigInt(request.params.deliveryId));
      if (!delivery) throw new ApiError('WEBHOOK_DELIVERY_NOT_FOUND');
      return deliveryView(delivery);
    },
  );
}
