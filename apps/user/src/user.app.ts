import type { ServiceDefinition } from '@vigil/runtime';
import { UserModule } from './user.module.js';
import { persistence } from './persistence.js';
import { UserConfig } from './user.config.js';

export const userApp: ServiceDefinition = {
  service: 'user',
  module: UserModule,
  persistence,
  config: UserConfig,
};
