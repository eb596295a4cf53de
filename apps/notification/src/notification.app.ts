import type { ServiceDefinition } from '@vigil/runtime';
import { NotificationConfig } from './notification.config.js';
import { NotificationModule } from './notification.module.js';
import { persistence } from './persistence.js';

export const notificationApp: ServiceDefinition = {
  service: 'notification',
  module: NotificationModule,
  persistence,
  config: NotificationConfig,
};
