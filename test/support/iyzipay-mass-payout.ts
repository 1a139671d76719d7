import { createRequire } from 'node:module';
import { inherits } from 'node:util';

/**
 * A Mass Payout resource for the official `iyzipay` npm client, which ships none. It is built the way
 * the client's own resources are (lib/resources/*.js: `_api` entries of path, method, requestModel,
 * pathVariables, queryString on top of IyzipayResource), so everything on the wire — the IYZWSv2
 * header over JSON.stringify(body), `{}` sent on GET, the query string — is the official client's own
 * code. It proves that an integrator who uses that client points it at masspayout and it works.
 *
 * One difference from the bundled resources: they name their request models as files under
 * iyzipay/lib/requests/, which cannot hold ours, so our `_api` entries carry the model constructors
 * themselves and the three loaders below instantiate them.
 */
const require = createRequire(import.meta.url);
const IyzipayResource = require('iyzipay/lib/IyzipayResource');
const BaseRequest = require('iyzipay/lib/requests/BaseRequest');
const Iyzipay = require('iyzipay');

type Params = Record<string, unknown>;
type ModelConstructor = new (request: Params) => { toJson(): Params };

/** A request model like the client's own: the listed fields of the caller's params, nothing else. */
function requestModel(fields: string[]): ModelConstructor {
  function Model(this: unknown, request: Params) {
    const picked: Params = {};
    for (const field of fields) picked[field] = request[field];
    BaseRequest.call(this, picked);
  }
  inherits(Model, BaseRequest);
  return Model as unknown as ModelConstructor;
}

// `locale` goes in the query string (`?locale=en`, never signed), so no body model carries it.
const LocaleQuery = requestModel(['locale']);
const InitBody = requestModel(['conversationId', 'externalId', 'purpose', 'items']);
const AuthBody = requestModel(['conversationId', 'requestId']);
const RetrieveBody = requestModel(['conversationId', 'requestId', 'externalMassPayoutId', 'page', 'size', 'itemType']);
const RequestIdPath = requestModel(['requestId']);
const ReferenceCodePath = requestModel(['referenceCode']);

const api = {
  init: { path: '/v1/mass/payout/init', method: 'POST', requestModel: InitBody, queryString: LocaleQuery },
  auth: { path: '/v1/mass/payout/auth', method: 'POST', requestModel: AuthBody, queryString: LocaleQuery },
  cancel: { path: '/v1/mass/payout/cancel/{requestId}', method: 'POST', pathVariables: RequestIdPath, queryString: LocaleQuery },
  retrieve: { path: '/v1/mass/payout/retrieve', method: 'POST', requestModel: RetrieveBody, queryString: LocaleQuery },
  retrieveItem: { path: '/v1/mass/payout/retrieve/items/{referenceCode}', method: 'GET', pathVariables: ReferenceCodePath, queryString: LocaleQuery },
  balance: { path: '/v1/mass/payout/balance', method: 'GET', queryString: LocaleQuery },
} as const;

type Operation = keyof typeof api;
type Kind = 'requestModel' | 'queryString' | 'pathVariables';

function MassPayout(this: any, config: unknown) {
  this._config = config;
  // A copy per instance: the client writes `generatedPath` into these entries.
  this._api = Object.fromEntries(Object.entries(api).map(([name, entry]) => [name, { ...entry }]));
}
MassPayout.prototype = new IyzipayResource();
MassPayout.prototype._model = function (this: any, operation: Operation, kind: Kind): Params {
  const Model = this._api[operation][kind] as ModelConstructor | undefined;
  return Model ? new Model(this._config.body).toJson() : {};
};
MassPayout.prototype._getBody = function (this: any, operation: Operation) {
  return this._model(operation, 'requestModel');
};
MassPayout.prototype._getQueryString = function (this: any, operation: Operation) {
  return this._model(operation, 'queryString');
};
MassPayout.prototype._getPathVariables = function (this: any, operation: Operation) {
  return this._model(operation, 'pathVariables');
};
for (const operation of Object.keys(api) as Operation[]) {
  MassPayout.prototype[operation] = function (this: any, params: Params, cb: (error: Error | null, body: any) => void) {
    this._config.body = params;
    this._request(operation, (error: Error | null, _response: unknown, body: unknown) => cb(error, body));
  };
}

export type MassPayoutClient = { [K in Operation]: (params: Params) => Promise<any> };

/** The official client for `uri`, with the mass payout resource attached, as promises. */
export function iyzipayMassPayout(options: { uri: string; apiKey: string; secretKey: string }): MassPayoutClient {
  const iyzipay = new Iyzipay(options);
  const resource = new (MassPayout as any)(iyzipay._config);
  const client = {} as MassPayoutClient;
  for (const operation of Object.keys(api) as Operation[]) {
    client[operation] = (params) =>
      new Promise((resolve, reject) => resource[operation](params, (error: Error | null, body: unknown) => (error ? reject(error) : resolve(body))));
  }
  return client;
}
