// The API description the gateway serves: /api/docs-json is a valid OpenAPI 3 document with every
// route the gateway serves and every route of docs/access.md, each with its parameters, request and
// answer schemas, security and errors; /api/docs is the interactive page with its assets served here.
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIObject, OperationObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { TEST_MODE, TestHarness } from '@vigil/testing';
import { RouteAccess } from '../src/access/route-access.js';
import { parseAccessTable } from '../../../test/support/access-table.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `/api/v1/alerts/:alertId` → `/api/v1/alerts/{alertId}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe(`the OpenAPI description (${TEST_MODE})`, () => {
  let system: TestHarness;
  let document: OpenAPIObject;

  const operation = (method: string, path: string): OperationObject => {
    const found = document.paths[openApiPath(path)]?.[method.toLowerCase() as (typeof METHODS)[number]];
    if (!found) throw new Error(`${method} ${path} is not in the document`);
    return found;
  };
  const queryNames = (op: OperationObject) =>
    (op.parameters as ParameterObject[]).filter((p) => p.in === 'query').map((p) => p.name);

  beforeAll(async () => {
    system = await TestHarness.system();
    const res = await fetch(`${system.url}/api/docs-json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await res.json()) as OpenAPIObject;
  }, 60_000);

  afterAll(async () => {
    await system?.close();
  });

  it('is a valid OpenAPI 3 document whose every reference resolves', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('describes every route the gateway serves, and every route of docs/access.md', () => {
    const gateway = system.services.find((s) => s.service === 'gateway')!;
    const served = gateway.app.get(RouteAccess).list();
    expect(served.length).toBeGreaterThan(50);
    const missing = served.filter((route) => {
      try {
        operation(route.method, route.path);
        return false;
      } catch {
        return true;
      }
    });
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const documented = parseAccessTable().filter(
      (row) => !document.paths[openApiPath(row.path)]?.[row.method.toLowerCase() as (typeof METHODS)[number]],
    );
    expect(documented.map((row) => `${row.method} ${row.path}`)).toEqual([]);
  });

  it('gives each operation its answer, its errors, and no query it cannot describe', () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        const where = `${method.toUpperCase()} ${path}`;
        expect({
          where,
          undocumented: (op as unknown as Record<string, unknown>)['x-vigil-undocumented-query'],
        }).toEqual({
          where,
          undocumented: undefined,
        });
        const statuses = Object.keys(op.responses);
        expect({ where, success: statuses.some((s) => /^2\d\d$/.test(s)) }).toEqual({ where, success: true });
        if (path.includes('{')) expect({ where, has404: statuses.includes('404') }).toEqual({ where, has404: true });
        if (op.security?.length)
          expect({ where, statuses: statuses.filter((s) => s === '401' || s === '403') }).toEqual({
            where,
            statuses: ['401', '403'],
          });
      }
    }
  });

  it('takes request and answer schemas from the same types the code uses', () => {
    const schemas = document.components!.schemas as Record<string, SchemaObject>;
    // A body DTO of the gateway: its class-validator rules, as schema.
    const note = operation('POST', '/api/v1/alerts/:alertId/notes');
    const noteBody = note.requestBody as { content: Record<string, { schema: { $ref: string } }> };
    const noteRef = noteBody.content['application/json']!.schema.$ref.split('/').pop()!;
    expect(schemas[noteRef]).toMatchObject({
      properties: { text: { type: 'string', maxLength: 10_000 } },
      required: ['text'],
    });
    // An answer: the view the handler returns.
    const list = operation('GET', '/api/v1/alerts');
    expect(list.responses['200']).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Page_AlertView' } } },
    });
    expect(schemas.Page_AlertView).toMatchObject({
      properties: { items: { type: 'array', items: { $ref: '#/components/schemas/AlertView' } } },
    });
    expect(schemas.AlertView!.required).toEqual(expect.arrayContaining(['id', 'alertType', 'severity', 'status']));
    // Query parameters: the DTO's fields in snake_case, the repeatable ones exploded.
    expect(queryNames(list)).toEqual(
      expect.arrayContaining([
        'status',
        'severity',
        'alert_type',
        'label',
        'from',
        'to',
        'q',
        'sort',
        'order',
        'limit',
        'cursor',
      ]),
    );
    const status = (list.parameters as ParameterObject[]).find((p) => p.name === 'status')!;
    expect(status).toMatchObject({ in: 'query', style: 'form', explode: true, schema: { type: 'array' } });
    expect(queryNames(operation('GET', '/api/v1/history/sessions'))).toEqual(
      expect.arrayContaining(['status', 'agent_type', 'alert_type', 'alert_id', 'from', 'to', 'q', 'sort', 'order']),
    );
    expect(queryNames(operation('POST', '/api/v1/webhooks/alertmanager'))).toEqual(['type_label']);
    // The ingest body, read as bytes by the receiver, is described by hand: alert_type and runbook required.
    const create = operation('POST', '/api/v1/alerts').requestBody as {
      content: Record<string, { schema: { oneOf: SchemaObject[] } }>;
    };
    expect(create.content['application/json']!.schema.oneOf[0]!.required).toEqual(['alert_type', 'runbook']);
  });

  it('names the credentials each route accepts', () => {
    expect(Object.keys(document.components!.securitySchemes!).sort()).toEqual([
      'apiKeyBasic',
      'apiKeyBearer',
      'apiKeyHeader',
      'jwt',
    ]);
    // Users with a role, or API keys with a scope.
    expect(operation('GET', '/api/v1/alerts').security).toEqual([
      { jwt: [] },
      { apiKeyBearer: [] },
      { apiKeyHeader: [] },
      { apiKeyBasic: [] },
    ]);
    // API keys only (the receivers).
    expect(operation('POST', '/api/v1/webhooks/alertmanager').security).toEqual([
      { apiKeyBearer: [] },
      { apiKeyHeader: [] },
      { apiKeyBasic: [] },
    ]);
    // No credential.
    expect(operation('POST', '/api/v1/auth/login').security).toEqual([]);
    expect(operation('GET', '/health/ready').security).toEqual([]);
  });

  it('serves the interactive page with its assets from the gateway itself', async () => {
    const page = await fetch(`${system.url}/api/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Vigil API</title>');
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      const url = new URL(asset, `${system.url}/api/docs/`);
      expect(url.origin).toBe(new URL(system.url).origin);
      const res = await fetch(url);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    }
  });
});
