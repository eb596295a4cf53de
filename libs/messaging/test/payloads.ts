// A payload the messaging suites send (a notification.delivered event), fresh ids each time.
import { randomUUID } from 'node:crypto';

export const deliveredPayload = (attempts = 1, error?: string) => ({
  deliveryId: randomUUID(),
  alertId: randomUUID(),
  channelId: randomUUID(),
  channelType: 'slack' as const,
  attempts,
  ...(error ? { error } : {}),
});
