import type { ServiceDefinition } from '@vigil/runtime';
import { AlertConfig } from './alert.config.js';
import { AlertModule } from './alert.module.js';
import { persistence } from './persistence.js';

export const alertApp: ServiceDefinition = {
  service: 'alert',
  module: AlertModule,
  persistence,
  config: AlertConfig,
  // Ingest is batched: a batch can only hold the messages the consumer has unacknowledged.
  busPrefetch: 500,
};
