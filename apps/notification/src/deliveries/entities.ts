import { DeliveryAttemptRow } from './delivery-attempt.entity.js';
import { DeliveryRow } from './delivery.entity.js';
import { EscalationRow } from './escalation.entity.js';
import { GroupRow } from './group.entity.js';
import { ChannelPaceRow } from './pace.entity.js';
import { ThreadRow } from './thread.entity.js';

/** The engine's tables, for the service's persistence list. */
export const DELIVERY_ENTITIES = [
  DeliveryRow,
  DeliveryAttemptRow,
  ThreadRow,
  GroupRow,
  EscalationRow,
  ChannelPaceRow,
] as const;
export { ChannelPaceRow, DeliveryAttemptRow, DeliveryRow, EscalationRow, GroupRow, ThreadRow };
