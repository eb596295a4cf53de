import type { ServiceDefinition } from '@vigil/runtime';
import { NotificationConfig } from './notification.config.js';
import { NotificationModule } from './notification.module.js';
import { persistence } from './persistence.js';

export const notificationApp: ServiceDefinition = {
  service: 'notification',
  module: NotificationModule,
  persistence,
  config: NotificationConfig,
  // The alert.* consumer plans batches of up to 200 events in one transaction: it must be allowed to hold them.
  busPrefetch: 1_000,
};
