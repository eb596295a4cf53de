import { Module, type DynamicModule } from '@nestjs/common';
import type { Clock } from '@vigil/runtime';
import { NotificationEngineModule } from './deliveries/engine.module.js';
import { NotificationSettingsModule } from './notification-settings.module.js';

/** The service on another clock (NotificationModule.register): the same parts, the clock passed to the engine. */
@Module({})
class ClockedNotificationModule {}

/**
 * The notification service: the tenants' channels, routes and escalation policies over the API
 * (channels/, routes/, escalation-policies/, wired by NotificationSettingsModule), and the engine that
 * turns alert.* events into deliveries and sends them (consumption/, deliveries/, engine/).
 */
@Module({ imports: [NotificationEngineModule.register({ imports: [NotificationSettingsModule] })] })
export class NotificationModule {
  /** The same service with another clock (tests drive grouping, quiet hours and escalation with a manual one). */
  static register(options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: ClockedNotificationModule,
      imports: [NotificationEngineModule.register({ ...options, imports: [NotificationSettingsModule] })],
    };
  }
}
