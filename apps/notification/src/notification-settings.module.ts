import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { SecretBox } from '@vigil/auth';
import type { CommonConfig } from '@vigil/config';
import { parseAllowedCidrs } from '@vigil/netguard';
import { CONFIG } from '@vigil/runtime';
import { ChannelReferences } from './channels/channel-references.js';
import { ChannelStore } from './channels/channel.store.js';
import { ChannelsHandlers } from './channels/channels.handlers.js';
import { ChannelsService, SECRET_BOX } from './channels/channels.service.js';
import { ENGINE_OPTIONS, NOTIFICATION_PROVIDERS, type EngineOptions } from './deliveries/engine-options.js';
import { NOTIFICATION_SETTINGS } from './deliveries/settings.js';
import { EscalationPoliciesHandlers } from './escalation-policies/escalation-policies.handlers.js';
import { EscalationPoliciesService } from './escalation-policies/escalation-policies.service.js';
import { EscalationPolicyStore } from './escalation-policies/escalation-policy.store.js';
import { loadNotificationConfig, NOTIFICATION_CONFIG, type NotificationConfig } from './notification.config.js';
import { createProviders, type Providers } from './providers/index.js';
import { NotificationSettingsReader } from './routes/notification-settings.js';
import { RouteStore } from './routes/route.store.js';
import { RoutesHandlers } from './routes/routes.handlers.js';
import { RoutesService } from './routes/routes.service.js';

/** Closes the providers' connections (SMTP pools) when the service stops. */
@Injectable()
class ProvidersShutdown implements OnApplicationShutdown {
  constructor(@Inject(NOTIFICATION_PROVIDERS) private readonly providers: Providers) {}

  onApplicationShutdown(): Promise<void> {
    return this.providers.close();
  }
}

/**
 * The configuration tenants' managers write over the API (channels, routes, escalation policies) and
 * what the engine takes from it and from the service's variables: the settings reader, the one set
 * of providers (Slack, webhook, email) and the engine's options.
 */
@Module({
  controllers: [ChannelsHandlers, RoutesHandlers, EscalationPoliciesHandlers],
  providers: [
    {
      provide: NOTIFICATION_CONFIG,
      useFactory: (common: CommonConfig) => loadNotificationConfig(common),
      inject: [CONFIG],
    },
    {
      provide: SECRET_BOX,
      useFactory: (config: NotificationConfig) =>
        SecretBox.load({ SECRETS_KEY: config.SECRETS_KEY, VIGIL_DATA_DIR: config.VIGIL_DATA_DIR }),
      inject: [NOTIFICATION_CONFIG],
    },
    {
      provide: NOTIFICATION_PROVIDERS,
      useFactory: (config: NotificationConfig): Providers =>
        createProviders({
          slackApiUrl: config.SLACK_API_URL,
          ...(config.SMTP_URL !== undefined && { smtpUrl: config.SMTP_URL }),
          smtpFrom: config.SMTP_FROM,
          timeoutMs: config.NOTIFY_PROVIDER_TIMEOUT_MS,
          allowedCidrs: parseAllowedCidrs(config.NOTIFY_ALLOWED_CIDRS, 'NOTIFY_ALLOWED_CIDRS'),
          allowedCidrsVariable: 'NOTIFY_ALLOWED_CIDRS',
        }),
      inject: [NOTIFICATION_CONFIG],
    },
    ProvidersShutdown,
    {
      provide: ENGINE_OPTIONS,
      useFactory: (config: NotificationConfig): EngineOptions => ({
        ...(config.PUBLIC_URL !== undefined && { publicUrl: config.PUBLIC_URL }),
        pollMs: 1_000,
        retentionDays: config.NOTIFY_RETENTION_DAYS,
      }),
      inject: [NOTIFICATION_CONFIG],
    },
    ChannelStore,
    RouteStore,
    EscalationPolicyStore,
    ChannelReferences,
    ChannelsService,
    RoutesService,
    EscalationPoliciesService,
    NotificationSettingsReader,
    { provide: NOTIFICATION_SETTINGS, useExisting: NotificationSettingsReader },
  ],
  exports: [NOTIFICATION_CONFIG, NOTIFICATION_SETTINGS, NOTIFICATION_PROVIDERS, ENGINE_OPTIONS],
})
export class NotificationSettingsModule {}
