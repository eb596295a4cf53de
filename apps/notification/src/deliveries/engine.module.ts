import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { CLOCK, systemClock, type Clock } from '@vigil/runtime';
import { ConsumptionHandlers } from '../consumption/consumption.handlers.js';
import { ConsumptionService } from '../consumption/consumption.service.js';
import { DeliveriesHandlers } from './deliveries.handlers.js';
import { DeliveriesService } from './deliveries.service.js';
import { DeliveryStore } from './delivery.store.js';
import { DeliveryWorker } from './delivery.worker.js';
import { DeliveryRetention } from './retention.service.js';

export interface NotificationEngineOptions {
  /** The time the engine reads (grouping, quiet hours, escalation, retries); the system clock by default. */
  clock?: Clock;
  /** Modules that provide NOTIFICATION_SETTINGS, NOTIFICATION_PROVIDERS and ENGINE_OPTIONS. */
  imports?: ModuleMetadata['imports'];
}

/**
 * The notification engine: alert.* events in (consumption/), deliveries planned as rows, sent by the
 * worker through the providers, the deliveries list and the Slack message lookup out. It takes the
 * settings (routes, policies, channels), the providers and its options from `imports`.
 */
@Module({})
export class NotificationEngineModule {
  static register(options: NotificationEngineOptions = {}): DynamicModule {
    return {
      module: NotificationEngineModule,
      imports: options.imports ?? [],
      controllers: [ConsumptionHandlers, DeliveriesHandlers],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        ConsumptionService,
        DeliveriesService,
        DeliveryStore,
        DeliveryWorker,
        DeliveryRetention,
      ],
      exports: [DeliveryWorker, DeliveryStore],
    };
  }
}
