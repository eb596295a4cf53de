import type { ServiceDefinition } from '@vigil/runtime';
import { GatewayModule } from './gateway.module.js';

/** The gateway owns nothing persistent: it authenticates, validates and calls the services. */
export const gatewayApp: ServiceDefinition = {
  service: 'gateway',
  module: GatewayModule,
};
