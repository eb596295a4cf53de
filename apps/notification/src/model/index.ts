export { ChannelRow } from './channel.entity.js';
export { RouteRow } from './route.entity.js';
export { EscalationPolicyRow } from './escalation-policy.entity.js';
