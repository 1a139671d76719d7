import { Validator } from '@seriousme/openapi-schema-validator';
import ajvModule from 'ajv';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthRequest, InitRequest, paths, RetrieveRequest } from '../src/wire/contract.ts';
import { documentedRoutes } from '../src/api/openapi-examples.ts';
import { httpRequest } from './support/http.ts';
import { startTestService, type TestService } from './support/service.ts';

/** The service documents itself: /openapi.json from the route schemas, /docs readable offline. */
let service: TestService;
let doc: any;

beforeAll(async () => {
  service = await startTestService();
  const response = await httpRequest(`${service.url}/openapi.json`, 'GET');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  doc = response.json;
});
afterAll(async () => {
  await service?.close();
});

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const operations = () =>
  Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));

/**
 * The API routes the server really serves, read from its route tree (printRoutes): "METHOD /path"
 * for everything under /v1/ and /admin/v1/, HEAD left out (fastify adds it to every GET).
 */
function servedRoutes(): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of service.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([^)]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + match[2];
    stack[depth] = full;
    if (!/^\/(v1|admin\/v1)\//.test(full)) continue;
    for (const method of match[3].split(', ')) if (method !== 'HEAD') routes.push(`${method} ${toOpenApiPath(full)}`);
  }
  return routes.sort();
}

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every merchant and admin route the server serves, and nothing it does not', () => {
    const documented = operations()
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    const served = servedRoutes();
    expect(served.length).toBeGreaterThanOrEqual(9);
    expect(documented).toEqual(served);
    // The six merchant routes, by the contract's own paths.
    for (const path of Object.values(paths)) expect(Object.keys(doc.paths)).toContain(toOpenApiPath(path));
    for (const path of ['/admin/v1/merchants', '/admin/v1/merchants/{merchantId}/deposits', '/admin/v1/members']) expect(Object.keys(doc.paths)).toContain(path);
  });

  it('says how each route is secured, tags it, and summarises it', () => {
    expect(doc.components.securitySchemes).toMatchObject({ IYZWSv2: { type: 'apiKey', in: 'header', name: 'Authorization' }, adminToken: { type: 'http', scheme: 'bearer' } });
    for (const { path, method, op } of operations()) {
      const where = `${method} ${path}`;
      const merchant = path.startsWith('/v1/');
      expect(op.security, where).toEqual([merchant ? { IYZWSv2: [] } : { adminToken: [] }]);
      expect(op.tags, where).toEqual([merchant ? 'mass payout' : 'admin']);
      expect(op.summary, where).toEqual(expect.any(String));
      expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['4XX', '5XX']));
      expect(op.responses['4XX'].content['application/json'].schema.required, where).toEqual(['status', 'errorCode', 'errorMessage', 'errorGroup', 'locale', 'systemTime']);
      if (merchant) expect(op.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name), where).toEqual(['locale']);
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(op.parameters.some((p: any) => p.in === 'path' && p.name === name && p.required), `${where}: {${name}}`).toBe(true);
      }
    }
  });

  it('carries the request schemas of the routes themselves', () => {
    const body = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body(paths.init).properties).sort()).toEqual(Object.keys(InitRequest.properties).sort());
    expect(body(paths.init).required.sort()).toEqual(['externalId', 'items']);
    expect(body(paths.init).additionalProperties).toBe(false);
    expect(Object.keys(body(paths.auth).properties).sort()).toEqual(Object.keys(AuthRequest.properties).sort());
    expect(body(paths.auth).properties.requestId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(Object.keys(body(paths.retrieve).properties).sort()).toEqual(Object.keys(RetrieveRequest.properties).sort());
    // page and size: a number, or digits as the Python and PHP clients send; both optional.
    expect(body(paths.retrieve).properties.size.anyOf).toEqual([{ type: 'integer', minimum: 1, maximum: 1000 }, { type: 'string', pattern: '^[0-9]{1,7}$' }]);
    expect(body(paths.retrieve).properties.page.anyOf[0]).toMatchObject({ type: 'integer', minimum: 0 });
    expect(body(paths.retrieve).required ?? []).not.toContain('page');
    expect(body('/admin/v1/merchants').required).toEqual(['name']);
    expect(body('/admin/v1/merchants/{merchantId}/deposits').required.sort()).toEqual(['amount', 'currency']);
    expect(body('/admin/v1/members').required.sort()).toEqual(['memberId', 'name']);
    const balance = doc.paths[paths.balance].get.responses['200'].content['application/json'].schema;
    expect(balance.properties.balance.type).toBe('string');
  });

  it('shows a realistic example of every request and response, and names every response', () => {
    // CommonJS modules: their class and plugin are on `default` under Node's ESM interop.
    const ajv = ajvFormats.default(new ajvModule.default({ strict: false, allErrors: true }));
    const check = (schema: unknown, example: unknown, where: string) => {
      expect(example, `${where}: an example`).toBeDefined();
      const validate = ajv.compile(schema as object);
      expect(validate(example), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
    // Every API route (merchant and admin) has its examples; none is left to the generator.
    const documented = operations().filter(({ path }) => path.startsWith('/v1/') || path.startsWith('/admin/v1/'));
    expect(documented.map(({ path, method }) => `${method} ${path}`).filter((route) => !documentedRoutes.includes(route))).toEqual([]);
    for (const { path, method, op } of documented) {
      const where = `${method} ${path}`;
      const body = op.requestBody?.content['application/json'];
      if (body) check(body.schema, body.example, `${where} request`);
      const statuses = Object.keys(op.responses);
      expect(statuses.filter((status) => /^2/.test(status)), where).toHaveLength(1);
      for (const status of statuses) {
        const response = op.responses[status];
        expect(response.description, `${where} ${status}`).not.toBe('Default Response');
        const media = response.content?.['application/json'];
        if (status === '4XX') continue;
        check(media.schema, media.example, `${where} ${status}`);
        if (/^[45]/.test(status)) {
          expect(media.example.status, `${where} ${status}`).toBe('failure');
          if (status !== '5XX') expect(String(media.example.errorCode === '1' ? 500 : status), `${where} ${status}`).toBe(status);
          expect(response.description, `${where} ${status}`).toContain(media.example.errorCode);
        }
      }
      expect(statuses, `${where}: authentication failures are named`).toContain('401');
    }
    // No pattern-generated junk: the init example is the README's kind of payroll.
    expect(doc.paths[paths.init].post.requestBody.content['application/json'].example.items[0]).toMatchObject({ recipientName: 'Ayşe Yılmaz' });
    expect(doc.paths[paths.init].post.responses['409'].description).toContain('6002');
  });

  it('the request examples are accepted by the service as they stand', async () => {
    const merchant = await service.createMerchant();
    await service.deposit(merchant, '100000.00');
    const example = (path: string) => doc.paths[path].post.requestBody.content['application/json'].example;
    const init = await service.signed(merchant, 'POST', paths.init, example(paths.init));
    expect(init.status, init.text).toBe(200);
    expect(init.json.invalidItems).toEqual(doc.paths[paths.init].post.responses['200'].content['application/json'].example.invalidItems);
    const retrieve = await service.signed(merchant, 'POST', paths.retrieve, { ...example(paths.retrieve), requestId: init.json.requestId });
    expect(retrieve.status, retrieve.text).toBe(200);
    const created = await service.admin('POST', '/admin/v1/merchants', example('/admin/v1/merchants'));
    expect(created.status, created.text).toBe(201);
  });

  it('describes how to sign a merchant call, and how to try the admin routes', () => {
    expect(doc.components.securitySchemes.IYZWSv2.description).toMatch(/HMAC-SHA256\(secretKey, randomKey \+ path \+ rawBody\)/);
    expect(doc.components.securitySchemes.IYZWSv2.description).toMatch(/Try it out/);
    expect(doc.components.securitySchemes.adminToken.description).toMatch(/admin token/);
  });

  it('needs no credentials', async () => {
    expect((await httpRequest(`${service.url}/openapi.json`, 'GET', undefined, { authorization: 'Bearer nonsense' })).status).toBe(200);
  });
});

describe('/docs', () => {
  it('is where / leads', async () => {
    const root = await httpRequest(`${service.url}/`, 'GET');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/docs');
  });

  it('serves a readable page whose every asset comes from this server (works offline)', async () => {
    const page = await httpRequest(`${service.url}/docs`, 'GET');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>masspayout API</title>');
    expect(page.text).toContain('id="swagger-ui"');
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, 'no CDN, no other host').toMatch(/^\/docs\//);
      const response = await httpRequest(service.url + asset, 'GET');
      expect(response.status, asset).toBe(200);
      expect(response.text.length, asset).toBeGreaterThan(0);
    }
    const bundle = await httpRequest(`${service.url}/docs/static/swagger-ui-bundle.js`, 'GET');
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.text.length).toBeGreaterThan(100_000);
  });

  it('points the UI at the same document, without the public validator', async () => {
    const initializer = await httpRequest(`${service.url}/docs/static/swagger-initializer.js`, 'GET');
    expect(initializer.text).toContain("resolveUrl('./json')");
    expect(initializer.text).toContain('validatorUrl: null');
    const json = await httpRequest(`${service.url}/docs/json`, 'GET');
    expect(json.json).toEqual(doc);
  });
});
