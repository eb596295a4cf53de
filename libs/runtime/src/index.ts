export * from './tokens.js';
export * from './clock.js';
export * from './service-info.js';
export * from './service-definition.js';
export * from './start-service.js';
export * from './run.js';
export * from './version.js';
export { JsonErrorFilter } from './http.js';
