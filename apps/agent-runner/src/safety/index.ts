export { maskSecrets, REDACTED } from './mask-secrets.js';
export { truncate } from './truncate.js';
export { isPublicAddress, parseAllowedCidrs, type Cidr } from '@vigil/netguard';
export { fetchRunbook, RunbookCache, type RunbookFailure, type RunbookOptions, type RunbookResult } from './runbook.js';
