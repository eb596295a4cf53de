import type { ServiceDefinition } from '@vigil/runtime';
import { UserModule } from './user.module.js';
import { persistence } from './persistence.js';

export const userApp: ServiceDefinition = {
  service: 'user',
  module: UserModule,
  persistence,
};
