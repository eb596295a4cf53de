// class-transformer's @Type reads decorator metadata: load the polyfill before any payload class.
import 'reflect-metadata';
export * from './services.js';
export * from './routing-keys.js';
export * from './rpc-patterns.js';
export * from './time.js';
export * from './paging.js';
export * from './envelope.js';
export * from './registry.js';
export * from './payloads/system.js';
export * from './payloads/alert.js';
export * from './payloads/agent.js';
export * from './payloads/notification.js';
export * from './payloads/user.js';
export * from './alert-identity.js';
export * from './payloads/ingest.js';
export * from './payloads/alert-api.js';
export * from './payloads/agent-api.js';
export * from './events.js';
