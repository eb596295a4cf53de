export * from './jwt.js';
export * from './api-key.js';
