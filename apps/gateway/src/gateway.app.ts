import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Application } from 'express';
import helmet from 'helmet';
import type { ServiceDefinition } from '@vigil/runtime';
import { GatewayConfig } from './gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { GATEWAY_CONFIG } from './tokens.js';
import { rawIngestBody } from './ingest/raw-body.js';
import { SLACK_ACTIONS_PATH } from './notifications/slack-actions.controller.js';
import { slackActionsRawBody } from './notifications/slack-raw-body.js';
import { setupOpenApi } from './openapi/openapi.js';
import { createValidationPipe } from './validation.js';

/** The gateway owns nothing persistent: it authenticates, validates and calls the services. */
export const gatewayApp: ServiceDefinition = {
  service: 'gateway',
  module: GatewayModule,
  config: GatewayConfig,
  // Its one consumer is the live-updates relay (LiveHandlers): each event is written to the tenant's
  // sockets at once (a turn later past a client's per-turn budget, see LiveHub), so the broker may
  // keep many in flight; at BUS_PREFETCH's 16 a replica relayed a few hundred events/s and its queue
  // grew behind a steady alert stream.
  busPrefetch: 1_000,
  configureHttp(app: INestApplication): void {
    const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
    const express = app.getHttpAdapter().getInstance() as Application;
    // Decides req.ip: the socket's address unless the operator names the proxies in front.
    express.set('trust proxy', config.trustProxy());
    // No framework banner; helmet's defaults on every answer, errors included (CSP, nosniff, frame and referrer policies, HSTS).
    express.disable('x-powered-by');
    app.use(helmet());
    // Before Nest's JSON parser: the receivers read their bodies as bytes (see rawIngestBody).
    app.use(rawIngestBody(config.INGEST_MAX_BODY_BYTES));
    // Slack signs the exact bytes of its form-encoded clicks: kept as they came (the one non-JSON body, see json-body.ts).
    app.use(SLACK_ACTIONS_PATH, slackActionsRawBody());
    // In place of Nest's JSON parser (application/json only): the body policy (json-body.ts) takes +json types too.
    (app as NestExpressApplication).useBodyParser('json', { type: ['application/json', 'application/*+json'] });
    app.useGlobalPipes(createValidationPipe());
    // GET /api/docs (interactive, its assets served from here: no internet needed) and /api/docs-json (OpenAPI 3).
    setupOpenApi(app);
  },
};
