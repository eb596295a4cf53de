import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { JwtKeyring } from '@vigil/auth';
import type { CommonConfig } from '@vigil/config';
import { CLOCK, CONFIG, systemClock, type Clock } from '@vigil/runtime';
import { AccessGuard } from './access/access.guard.js';
import { Authenticator } from './access/authenticator.js';
import { RateLimiter } from './access/rate-limiter.js';
import { RevocationHandlers } from './access/revocation.handlers.js';
import { RouteAccess } from './access/route-access.js';
import { ApiKeysController } from './admin/api-keys.controller.js';
import { AuditController } from './admin/audit.controller.js';
import { TeamsController } from './admin/teams.controller.js';
import { TenantsController } from './admin/tenants.controller.js';
import { UsersController } from './admin/users.controller.js';
import { AgentRunnerClient } from './agents/agent-runner.client.js';
import { AgentsController, McpServersController } from './agents/agents.controller.js';
import { InvestigationsController } from './agents/investigations.controller.js';
import { AlertsController } from './alerts/alerts.controller.js';
import { SilencesController } from './alerts/silences.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { SignInService } from './auth/sign-in.service.js';
import { UpstreamErrorsInterceptor } from './bus/upstream-errors.interceptor.js';
import { AlertServiceClient } from './bus/alert-service.client.js';
import { UserServiceClient } from './bus/user-service.client.js';
import { HistoryClient } from './history/history.client.js';
import { HistoryController } from './history/history.controller.js';
import { gatewayConfigFrom, type GatewayConfig } from './gateway.config.js';
import { AlertIntake } from './ingest/alert-intake.js';
import { GenericMappings } from './ingest/generic-mappings.js';
import { IngestController } from './ingest/ingest.controller.js';
import { WebhookMappingController } from './ingest/webhook-mapping.controller.js';
import { SystemController } from './system/system.controller.js';
import { SystemStatusService } from './system/system-status.service.js';
import { JsonBodyInterceptor } from './json-body.js';
import { LIVE_UPDATES } from './live/index.js';
import { NotificationClient } from './notifications/notification.client.js';
import {
  DeliveriesController,
  EscalationPoliciesController,
  NotificationChannelsController,
  NotificationRoutesController,
} from './notifications/notifications.controller.js';
import { SlackActionsController } from './notifications/slack-actions.controller.js';
import { SlackActions } from './notifications/slack-actions.service.js';
import { GATEWAY_CONFIG, JWT_KEYRING } from './tokens.js';

/** The gateway's HTTP controllers: tests read their declarations against docs/access.md. */
export const GATEWAY_CONTROLLERS = [
  SystemController,
  AuthController,
  TenantsController,
  UsersController,
  TeamsController,
  ApiKeysController,
  AuditController,
  IngestController,
  WebhookMappingController,
  AlertsController,
  SilencesController,
  InvestigationsController,
  AgentsController,
  McpServersController,
  HistoryController,
  NotificationChannelsController,
  NotificationRoutesController,
  EscalationPoliciesController,
  DeliveriesController,
  SlackActionsController,
];

@Module({
  imports: [DiscoveryModule],
  controllers: [...GATEWAY_CONTROLLERS, RevocationHandlers, ...LIVE_UPDATES.controllers],
  providers: [
    { provide: GATEWAY_CONFIG, useFactory: (common: CommonConfig) => gatewayConfigFrom(common), inject: [CONFIG] },
    {
      provide: JWT_KEYRING,
      useFactory: (config: GatewayConfig) =>
        JwtKeyring.load({ JWT_KEYS: config.JWT_KEYS, VIGIL_DATA_DIR: config.VIGIL_DATA_DIR }),
      inject: [GATEWAY_CONFIG],
    },
    { provide: CLOCK, useValue: systemClock },
    { provide: RateLimiter, useFactory: (clock: Clock) => new RateLimiter(100_000, clock), inject: [CLOCK] },
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
    { provide: APP_INTERCEPTOR, useClass: UpstreamErrorsInterceptor },
    RouteAccess,
    Authenticator,
    UserServiceClient,
    AlertServiceClient,
    AgentRunnerClient,
    HistoryClient,
    NotificationClient,
    SlackActions,
    AlertIntake,
    GenericMappings,
    SignInService,
    SystemStatusService,
    ...LIVE_UPDATES.providers,
  ],
  exports: [RouteAccess, Authenticator, GATEWAY_CONFIG],
})
export class GatewayModule {}
