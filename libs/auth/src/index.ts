export * from './jwt.js';
export * from './api-key.js';
export * from './jwt-keys.config.js';
