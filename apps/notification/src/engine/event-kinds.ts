import {
  DEFAULT_NOTIFICATION_EVENT_KINDS,
  NOTIFICATION_EVENT_KINDS,
  RoutingKeys,
  type NotificationEventKind,
  type AlertAnalysed,
  type AlertCreated,
  type AlertSnapshot,
  type AlertStatusChanged,
  type AlertUpdated,
} from '@vigil/contracts';

/**
 * The changes of an alert a route can ask to hear about. `occurrence` (a repeat of an open alert)
 * and `note` are only sent to routes that name them; the others are what a route hears by default.
 */
export const EVENT_KINDS = NOTIFICATION_EVENT_KINDS;
export type EventKind = NotificationEventKind;
export const DEFAULT_EVENT_KINDS = DEFAULT_NOTIFICATION_EVENT_KINDS;

/** The alert.* events the notification service consumes. */
export const CONSUMED_KEYS = [
  RoutingKeys.AlertCreated,
  RoutingKeys.AlertUpdated,
  RoutingKeys.AlertAcknowledged,
  RoutingKeys.AlertResolved,
  RoutingKeys.AlertAnalysed,
] as const;
export type ConsumedKey = (typeof CONSUMED_KEYS)[number];

export type ConsumedPayload = AlertCreated | AlertUpdated | AlertStatusChanged | AlertAnalysed;

/** One alert change as the engine sees it: the alert after the change, and what changed. */
export interface AlertChange {
  kind: EventKind;
  alert: AlertSnapshot;
  /** Who acknowledged or resolved it, and their note. */
  by?: string;
  note?: string;
  analysis?: AlertAnalysed['analysis'];
}

/**
 * The change an alert.* event announces, or null when nobody is told: a silenced alert is never
 * notified, and an `alert.updated` that only says it was silenced tells nothing new. An update whose
 * change is `analysis` is news of an analysis like alert.analysed (which also carries its text).
 */
export function alertChangeOf(type: string, payload: ConsumedPayload): AlertChange | null {
  if (payload.alert.silenced) return null;
  switch (type) {
    case RoutingKeys.AlertCreated:
      return { kind: 'created', alert: payload.alert };
    case RoutingKeys.AlertUpdated: {
      const { change } = payload as AlertUpdated;
      if (change === 'retriggered' || change === 'occurrence' || change === 'note')
        return { kind: change, alert: payload.alert };
      if (change === 'analysis') return { kind: 'analysed', alert: payload.alert };
      return null;
    }
    case RoutingKeys.AlertAcknowledged:
    case RoutingKeys.AlertResolved: {
      const { by, note } = payload as AlertStatusChanged;
      return {
        kind: type === RoutingKeys.AlertAcknowledged ? 'acknowledged' : 'resolved',
        alert: payload.alert,
        by,
        ...(note !== undefined && { note }),
      };
    }
    case RoutingKeys.AlertAnalysed: {
      // Only an analysis with an answer is news: a skipped one (no model) or a failed one tells nothing new.
      const { analysis } = payload as AlertAnalysed;
      return analysis.status === 'completed' ? { kind: 'analysed', alert: payload.alert, analysis } : null;
    }
    default:
      return null;
  }
}
