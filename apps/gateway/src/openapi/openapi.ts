import type { INestApplication, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type ParameterObject,
  type ReferenceObject,
  type ResponseObject,
  type SchemaObject,
} from '@nestjs/swagger';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { AlertStatsQuery, AuditQuery, HistoryStatsQuery, PageRequest } from '@vigil/contracts';
import { DiscoveryService } from '@nestjs/core';
import { SERVICE_INFO, type ServiceInfo } from '@vigil/runtime';
import type { AccessDeclaration } from '../access/access.decorators.js';
import { httpRoutesOf, type HttpRoute } from '../access/route-access.js';
import { ALERT_LIST_QUERY } from '../alerts/alert-queries.js';
import { HISTORY_SESSION_LIST_QUERY } from '../history/history-queries.js';
import { GENERIC_MAPPING_FIELDS } from '../ingest/generic.js';
import { DELIVERY_LIST_QUERY } from '../notifications/deliveries-query.js';
import type { ListQuerySpec } from '../query-params.js';
import { ANSWERS } from './answers.generated.js';

// The API description (docs/architecture.md, "The API description"): Nest's own scan of the routes
// gives paths, methods, path parameters and the request body's class; this module adds what it
// cannot see — request schemas from the class-validator DTOs that validate the bodies and queries,
// answers from the handlers' return types (answers.generated.ts), the security each route accepts
// (its access declaration) and the errors every route may answer.

/** A query parameter documented by hand, for routes that take no DTO (the webhook receivers). */
export interface QueryParameterDoc {
  readonly name: string;
  readonly description: string;
  readonly schema: SchemaObject;
}

/**
 * The query of routes whose handler reads the raw query (`Record<string, unknown>`) and parses it with
 * a function of its own: which DTO that function produces (parameters are its fields in snake_case),
 * or the parameters themselves. A route reading a query that is not here fails the OpenAPI test.
 */
export const QUERY_DOCS: Readonly<Record<string, Type | ListQuerySpec<object> | readonly QueryParameterDoc[]>> = {
  AlertsController_list: ALERT_LIST_QUERY,
  AlertsController_stats: AlertStatsQuery,
  HistoryController_list: HISTORY_SESSION_LIST_QUERY,
  HistoryController_active: PageRequest,
  HistoryController_filterOptions: [],
  HistoryController_export: [
    {
      name: 'format',
      description: 'markdown (default) or json',
      schema: { type: 'string', enum: ['markdown', 'json'] },
    },
  ],
  HistoryController_stats: HistoryStatsQuery,
  DeliveriesController_list: DELIVERY_LIST_QUERY,
  AuditController_list: AuditQuery,
  IngestController_alertmanager: typeLabel(),
  IngestController_grafana: typeLabel(),
  IngestController_generic: GENERIC_MAPPING_FIELDS.map((field) => ({
    name: field,
    description: `where the alert's ${field} is in the payload: a field path (\`labels.alertname\`, \`$.level\`); over the tenant's stored mapping`,
    schema: { type: 'string' },
  })),
};

function typeLabel(): QueryParameterDoc[] {
  return [
    {
      name: 'type_label',
      description: 'the label whose value is the alert type (default alertname)',
      schema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    },
  ];
}

const ANY_JSON_OBJECT: SchemaObject = { type: 'object', additionalProperties: true };

const ALERT_IN: SchemaObject = {
  type: 'object',
  required: ['alert_type', 'runbook'],
  additionalProperties: true,
  properties: {
    alert_type: { type: 'string', maxLength: 256 },
    runbook: { type: 'string', description: 'a URL or the runbook text' },
    severity: {
      type: 'string',
      description:
        'critical, high, warning, low or info (medium → warning, error → high); another value becomes warning',
    },
    timestamp: {
      oneOf: [
        { type: 'integer', description: 'unix microseconds' },
        { type: 'string', format: 'date-time' },
      ],
    },
    fingerprint: { type: 'string', description: 'the source’s own identity of the alert; else derived' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    summary: { type: 'string' },
    status: { type: 'string', enum: ['firing', 'resolved'] },
    environment: { type: 'string' },
    data: { type: 'object', additionalProperties: true, description: 'any JSON, stored as sent' },
  },
};

/** Bodies the receivers read as bytes (the ingest routes): what they take. */
const INGEST_BODIES: Readonly<Record<string, { description: string; schema: SchemaObject }>> = {
  IngestController_create: {
    description: 'one alert or an array of alerts (the flexible model: everything besides the named fields is kept)',
    schema: { oneOf: [ALERT_IN, { type: 'array', items: ALERT_IN }] },
  },
  IngestController_alertmanager: {
    description: 'a Prometheus Alertmanager webhook (version 4), as Alertmanager posts it',
    schema: ANY_JSON_OBJECT,
  },
  IngestController_grafana: { description: 'a Grafana unified-alerting webhook', schema: ANY_JSON_OBJECT },
  IngestController_generic: {
    description: 'any JSON; the query or the stored mapping says where the fields are',
    schema: {},
  },
};

const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string', description: 'what is wrong, naming the field or parameter' },
    errors: { type: 'array', items: { type: 'string' }, description: 'every problem found, each naming its field' },
    correlationId: { type: 'string' },
  },
};

const SECURITY_SCHEMES = {
  jwt: 'a user access token from POST /api/v1/auth/login (Authorization: Bearer)',
  apiKeyBearer: 'a tenant API key as Authorization: Bearer <key>',
  apiKeyHeader: 'a tenant API key in X-API-Key',
  apiKeyBasic: 'a tenant API key as the password of HTTP Basic (the form Alertmanager and Grafana send)',
} as const;

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Replaces every `#/definitions/` reference (ts-json-schema-generator's) with a component reference. */
function componentRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replace(/"#\/definitions\//g, '"#/components/schemas/')) as T;
}

function errorResponse(description: string): ResponseObject {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

function accessText(access: AccessDeclaration | undefined): string {
  if (!access) return '';
  if (access.kind === 'public')
    return access.signIn ? 'No credential; throttled per client address.' : 'No credential.';
  const parts: string[] = [];
  if (access.roles.length) parts.push(`users with role ${access.roles.join(', ')}`);
  if (access.scopes.length)
    parts.push(
      access.scopes.includes('*') ? 'any API key of the tenant' : `API keys with scope ${access.scopes.join(', ')}`,
    );
  return `Who may call it: ${parts.join('; ')} (docs/access.md).`;
}

function securityOf(access: AccessDeclaration | undefined): Record<string, string[]>[] {
  if (!access || access.kind === 'public') return [];
  return [
    ...(access.roles.length ? [{ jwt: [] }] : []),
    ...(access.scopes.length ? [{ apiKeyBearer: [] }, { apiKeyHeader: [] }, { apiKeyBasic: [] }] : []),
  ];
}

/** The type of the handler's `@Query()` argument, when it takes the whole query. */
function queryTypeOf(route: HttpRoute, controller: Type): unknown {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, route.handler) ?? {}) as Record<
    string,
    { index: number; data?: unknown }
  >;
  const entry = Object.entries(args).find(
    ([key, arg]) => key.startsWith(`${RouteParamtypes.QUERY}:`) && arg.data === undefined,
  );
  if (!entry) return undefined;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, route.handler) ?? []) as unknown[];
  return types[entry[1].index] ?? Object;
}

/** The query parameters of a route; undefined when it reads a query this module cannot describe. */
export function queryParametersOf(
  route: HttpRoute,
  controller: Type,
  schemas: Record<string, SchemaObject>,
): ParameterObject[] | undefined {
  const operationId = `${route.controller}_${route.handler}`;
  const declared = QUERY_DOCS[operationId];
  const type = queryTypeOf(route, controller);
  if (type === undefined && declared === undefined) return [];
  const source = declared ?? type;
  if (Array.isArray(source))
    return (source as readonly QueryParameterDoc[]).map((p) => ({
      name: p.name,
      in: 'query',
      required: false,
      description: p.description,
      schema: p.schema,
    }));
  if (typeof source === 'object' && source !== null && 'dto' in source) return specParameters(source, schemas);
  const schema = typeof source === 'function' ? schemas[(source as Type).name] : undefined;
  if (!schema?.properties) return undefined;
  return Object.entries(schema.properties).map(([field, property]) => {
    const isArray = (property as SchemaObject).type === 'array';
    return {
      name: snake(field),
      in: 'query',
      required: (schema.required ?? []).includes(field),
      ...(isArray ? { style: 'form', explode: true, description: 'repeatable, or a comma-separated list' } : {}),
      schema: property as SchemaObject,
    } satisfies ParameterObject;
  });
}

/** The parameters of a list route's query, exactly as its parser reads them (query-params.ts). */
function specParameters(spec: ListQuerySpec<object>, schemas: Record<string, SchemaObject>): ParameterObject[] {
  const fields = (schemas[spec.dto.name]?.properties ?? {}) as Record<string, SchemaObject>;
  const parameters: ParameterObject[] = [];
  for (const [name, field, options] of spec.lists ?? [])
    parameters.push({
      name,
      in: 'query',
      required: false,
      style: 'form',
      explode: true,
      description: options?.split === false ? 'repeatable' : 'repeatable, or a comma-separated list',
      schema: fields[field] ?? { type: 'array', items: { type: 'string' } },
    });
  for (const [name, field] of spec.singles ?? [])
    parameters.push({ name, in: 'query', required: false, schema: fields[field] ?? { type: 'string' } });
  if (spec.limit)
    parameters.push({ name: 'limit', in: 'query', required: false, schema: fields.limit ?? { type: 'integer' } });
  return parameters;
}

export interface OpenApiInputs {
  readonly version: string;
  readonly routes: readonly HttpRoute[];
  readonly controllers: readonly Type[];
}

/** The OpenAPI 3 document of the running gateway. */
export function buildOpenApiDocument(app: INestApplication, inputs: OpenApiInputs): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Vigil')
    .setDescription(
      'Alerts in, deduplicated and tracked from triggered to resolved, investigated by an AI agent, notified on Slack and email. ' +
        'Every route is tenant-scoped by its credential; another tenant’s object is answered 404.',
    )
    .setVersion(inputs.version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: SECURITY_SCHEMES.jwt }, 'jwt')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: SECURITY_SCHEMES.apiKeyBearer }, 'apiKeyBearer')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: SECURITY_SCHEMES.apiKeyHeader },
      'apiKeyHeader',
    )
    .addBasicAuth({ type: 'http', scheme: 'basic', description: SECURITY_SCHEMES.apiKeyBasic }, 'apiKeyBasic');
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
  });
  // 3.1: its schemas are JSON Schema (2020-12), which the generated ones are (`type: ["string", "null"]`, `const`).
  document.openapi = '3.1.0';
  const requestSchemas = validationMetadatasToSchemas({
    refPointerPrefix: '#/components/schemas/',
    classTransformerMetadataStorage: defaultMetadataStorage,
  }) as Record<string, SchemaObject>;
  const answerSchemas = componentRefs(ANSWERS.definitions) as Record<string, SchemaObject>;
  document.components = {
    ...document.components,
    // Nest's own schemas stay for classes without validation rules (an empty body, say); the rest are ours.
    schemas: { ...document.components?.schemas, ...answerSchemas, ...requestSchemas, Error: ERROR_SCHEMA },
  };

  const byOperation = new Map(inputs.routes.map((route) => [`${route.controller}_${route.handler}`, route]));
  const controllers = new Map(inputs.controllers.map((controller) => [controller.name, controller]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const operation = item[method] as OperationObject | undefined;
      if (!operation?.operationId) continue;
      const route = byOperation.get(operation.operationId);
      const controller = route && controllers.get(route.controller);
      if (!route || !controller) continue;
      describeOperation(
        operation,
        path,
        route,
        controller,
        document.components.schemas as Record<string, SchemaObject>,
      );
    }
  }
  return document;
}

function describeOperation(
  operation: OperationObject,
  path: string,
  route: HttpRoute,
  controller: Type,
  schemas: Record<string, SchemaObject>,
): void {
  const operationId = operation.operationId!;
  operation.tags = [route.controller.replace(/Controller$/, '')];
  operation.description = [operation.description, accessText(route.access)].filter(Boolean).join('\n\n');
  operation.security = securityOf(route.access);

  const pathParameters = (operation.parameters ?? []).filter(
    (p): p is ParameterObject => !('$ref' in p) && (p as ParameterObject).in === 'path',
  );
  for (const parameter of pathParameters)
    parameter.schema = { type: 'string', format: /Id$/.test(parameter.name) ? 'uuid' : undefined };
  const query = queryParametersOf(route, controller, schemas);
  operation.parameters = [...pathParameters, ...(query ?? [])];
  if (query === undefined) Object.assign(operation, { 'x-vigil-undocumented-query': true });

  const ingest = INGEST_BODIES[operationId];
  if (ingest)
    operation.requestBody = {
      required: true,
      description: ingest.description,
      content: { 'application/json': { schema: ingest.schema } },
    };
  else if (operation.requestBody && !('$ref' in operation.requestBody)) {
    const content = operation.requestBody.content ?? {};
    const json = content['application/json'];
    if (json) operation.requestBody = { required: true, content: { 'application/json': json } };
  }

  const answer = ANSWERS.routes[operationId] as SchemaObject | ReferenceObject | undefined;
  const success = Object.keys(operation.responses ?? {}).find((status) => /^2\d\d$/.test(status)) ?? '200';
  const successResponse: ResponseObject = answer
    ? { description: 'OK', content: { 'application/json': { schema: componentRefs(answer) } } }
    : { description: 'No content' };
  const responses: Record<string, ResponseObject> = { [success]: successResponse };
  const credential = route.access?.kind === 'credential';
  if (credential) {
    responses['401'] = errorResponse('no credential, or one that is invalid, expired or revoked');
    responses['403'] = errorResponse('the credential lacks the role or scope the route needs');
  }
  if (pathParameters.length) responses['404'] = errorResponse("no such object in the caller's tenant");
  if (operation.requestBody) responses['415'] = errorResponse('the body is not JSON (application/json or +json)');
  if (operation.requestBody || pathParameters.length || (query && query.length))
    responses['422'] = errorResponse('a field or parameter is invalid; the message names it');
  if (credential || route.access?.kind === 'public')
    responses['429'] = errorResponse('rate limit exceeded (Retry-After)');
  if (!path.startsWith('/health') && path !== '/metrics')
    responses['503'] = errorResponse('a service the route needs did not answer (Retry-After)');
  operation.responses = responses;
}

/** What the document is built from, read from the running application. */
export function openApiInputsOf(app: INestApplication): OpenApiInputs {
  const controllers = app
    .get(DiscoveryService)
    .getControllers()
    .map((wrapper) => wrapper.metatype)
    .filter((metatype): metatype is Type => typeof metatype === 'function');
  return { version: app.get<ServiceInfo>(SERVICE_INFO).version, routes: httpRoutesOf(controllers), controllers };
}

/** `/api/docs` (the interactive page, assets served locally) and `/api/docs-json` (OpenAPI 3), built on first use. */
export function setupOpenApi(app: INestApplication): void {
  let document: OpenAPIObject | undefined;
  SwaggerModule.setup('api/docs', app, () => (document ??= buildOpenApiDocument(app, openApiInputsOf(app))), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
    customSiteTitle: 'Vigil API',
  });
}
