import type { ServiceDefinition } from '@vigil/runtime';
import { HistoryConfig } from './history.config.js';
import { HistoryModule } from './history.module.js';
import { persistence } from './persistence.js';

export const historyApp: ServiceDefinition = {
  service: 'history',
  module: HistoryModule,
  persistence,
  config: HistoryConfig,
};
