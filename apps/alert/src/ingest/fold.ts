import type { AlertSource, Envelope, ReceivedAlert } from '@vigil/contracts';
import type { SearchWrite, TimelineWrite } from '../alerts/alert.store.js';
import { searchOf } from '../alerts/rows.js';
import type { Micros } from '../alerts/time.js';
import { applyReceived, type AlertEvent, type AlertState, type IngestRules } from '../lifecycle/lifecycle.js';
import { isSilenced, type LabelPredicate } from '../silences/matchers.js';

/** One received alert of a batch, with the message that brought it. */
export interface Arrival<C = Envelope<object>> {
  alert: ReceivedAlert;
  source: AlertSource;
  /** When the gateway accepted it (the envelope's occurredAt). */
  seenAt: Micros;
  /** The message it came in: the cause of the events it leads to. */
  cause: C;
}

/** What a tenant's part of a batch changes. */
export interface Folded<C> {
  /** The states to write: new or changed alerts only. */
  states: AlertState[];
  timeline: TimelineWrite[];
  /** The alert_search rows whose labels or text changed. */
  searches: SearchWrite[];
  events: { event: AlertEvent; cause: C }[];
}

/**
 * Folds every arrival of one tenant's batch through the lifecycle rules, in arrival order per
 * alert, against the stored states: deduplication (one state per alert id), auto-resolve,
 * re-trigger, silencing by the active silences. Pure: the store reads and writes around it.
 */
export function foldArrivals<C>(
  tenantId: string,
  stored: ReadonlyMap<string, AlertState>,
  arrivals: readonly Arrival<C>[],
  silences: readonly LabelPredicate[],
  rules: IngestRules,
): Folded<C> {
  const byAlert = new Map<string, Arrival<C>[]>();
  for (const arrival of arrivals) {
    const list = byAlert.get(arrival.alert.alertId);
    if (list) list.push(arrival);
    else byAlert.set(arrival.alert.alertId, [arrival]);
  }
  const folded: Folded<C> = { states: [], timeline: [], searches: [], events: [] };
  for (const [id, list] of byAlert) {
    const before = stored.get(id);
    let state = before;
    for (const { alert, source, seenAt, cause } of list) {
      const silenced = isSilenced(silences, alert.labels);
      const outcome = applyReceived(state, { alert, source, seenAt, silenced }, rules, tenantId, id);
      state = outcome.state;
      for (const draft of outcome.timeline) folded.timeline.push({ alertId: id, draft });
      for (const event of outcome.events) folded.events.push({ event, cause });
    }
    if (!state || state === before) continue;
    folded.states.push(state);
    const search = searchChange(before, state);
    if (search) folded.searches.push(search);
  }
  return folded;
}

/** The search row to write: for a new alert, or when its labels or searchable text changed. */
function searchChange(before: AlertState | undefined, after: AlertState): SearchWrite | undefined {
  if (before && before.content === after.content) return undefined;
  const [labels, search] = searchOf(after);
  if (before) {
    const [oldLabels, oldSearch] = searchOf(before);
    if (oldLabels === labels && oldSearch === search) return undefined;
  }
  return { alertId: after.id, labels, search };
}
