import type { ServiceDefinition } from '@vigil/runtime';
import { HistoryConfig } from './history.config.js';
import { HistoryModule } from './history.module.js';
import { persistence } from './persistence.js';

export const historyApp: ServiceDefinition = {
  service: 'history',
  module: HistoryModule,
  persistence,
  config: HistoryConfig,
  // Batches of up to 500 events on each of two lanes: the consumer must be allowed to hold them.
  busPrefetch: 1_000,
};
