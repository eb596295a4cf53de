import type { ServiceDefinition } from '@vigil/runtime';
import { HistoryModule } from './history.module.js';
import { persistence } from './persistence.js';

export const historyApp: ServiceDefinition = {
  service: 'history',
  module: HistoryModule,
  persistence,
};
