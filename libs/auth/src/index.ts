export * from './jwt.js';
export * from './api-key.js';
export * from './jwt-keys.config.js';
export * from './secret-box.js';
export * from './secrets-key.config.js';
export * from './slack-signature.js';
