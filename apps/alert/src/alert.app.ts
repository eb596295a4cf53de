import type { ServiceDefinition } from '@vigil/runtime';
import { AlertModule } from './alert.module.js';
import { persistence } from './persistence.js';

export const alertApp: ServiceDefinition = {
  service: 'alert',
  module: AlertModule,
  persistence,
};
