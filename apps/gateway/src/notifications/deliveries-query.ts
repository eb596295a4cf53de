import { DeliveryListQuery } from '@vigil/contracts';
import { listQueryOf, type ListQuerySpec } from '../query-params.js';

/** `GET /api/v1/notifications/deliveries`: its query parameters and the contract's fields they fill. */
export const DELIVERY_LIST_QUERY = {
  dto: DeliveryListQuery,
  lists: [['status', 'status']],
  singles: [
    ['alert_id', 'alertId'],
    ['channel_id', 'channelId'],
    ['from', 'from'],
    ['to', 'to'],
    ['cursor', 'cursor'],
  ],
  limit: true,
  range: true,
} as const satisfies ListQuerySpec<DeliveryListQuery>;

/**
 * `GET /api/v1/notifications/deliveries` query → the deliveries list RPC's query: alert_id,
 * channel_id, status (repeatable or a comma list), from/to (ISO-8601), limit ≤ 200, cursor. 422
 * naming every bad parameter; unknown parameters refused like unknown body fields.
 */
export function deliveryListQueryOf(query: Record<string, unknown>): DeliveryListQuery {
  return listQueryOf(query, DELIVERY_LIST_QUERY);
}
