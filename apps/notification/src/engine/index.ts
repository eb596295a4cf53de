export * from './event-kinds.js';
export * from './routing.js';
export * from './grouping.js';
export * from './quiet-hours.js';
export * from './escalation.js';
export * from './pacing.js';
export * from './retry.js';
export * from './severity.js';
