import {
  RoutingKeys,
  type AlertSnapshot,
  type AlertSource,
  type AlertStatus,
  type EventOf,
  type ReceivedAlert,
  type Severity,
  type TIMELINE_KINDS,
} from '@vigil/contracts';
import type { AnalysisState } from '../analysis/analysis.js';
import { toIso, type Micros } from '../alerts/time.js';

/** What the source said about the alert, kept exactly (the `doc` column). The latest occurrence wins. */
export type AlertContent = Omit<ReceivedAlert, 'alertId' | 'status'>;

export interface Step {
  at: Micros;
  by: string;
  note: string | null;
}

/** One alert row, as the ingest and lifecycle rules see it. */
export interface AlertState {
  tenantId: string;
  id: string;
  source: AlertSource;
  content: AlertContent;
  status: AlertStatus;
  silenced: boolean;
  occurrences: number;
  /** When the problem started (the source's startsAt, else its timestamp) for this episode. */
  startedAt: Micros;
  /** When Vigil (re)triggered this episode: the base of time-to-acknowledge and time-to-resolve. */
  triggeredAt: Micros;
  lastSeenAt: Micros;
  createdAt: Micros;
  updatedAt: Micros;
  acknowledged: Step | null;
  resolved: Step | null;
  /** Occurrence coalescing: when the last `occurrence` timeline entry / alert.updated was written, and the count then. */
  occLoggedAt: Micros;
  occLogged: number;
  /** The latest investigation; only the agent.session.* consumer changes it. */
  analysis: AnalysisState | null;
}

export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineDraft {
  kind: TimelineKind;
  at: Micros;
  by: string | null;
  note: string | null;
  details: Record<string, unknown>;
}

/** An alert.* event the rules decided on, published through the outbox with the change. */
export type AlertEvent = EventOf<
  | typeof RoutingKeys.AlertCreated
  | typeof RoutingKeys.AlertUpdated
  | typeof RoutingKeys.AlertAcknowledged
  | typeof RoutingKeys.AlertResolved
>;

export interface Outcome {
  state: AlertState;
  timeline: TimelineDraft[];
  events: AlertEvent[];
}

/** One received alert, with what the batch knows about it. */
export interface Received {
  alert: ReceivedAlert;
  source: AlertSource;
  /** When the gateway accepted it (the envelope's occurredAt). */
  seenAt: Micros;
  /** Whether an active silence matches its labels now. */
  silenced: boolean;
}

export interface IngestRules {
  /** Occurrences write a timeline entry and an alert.updated at most once per this many microseconds per alert. */
  occurrenceLogIntervalUs: Micros;
}

/** The `by` of steps the monitoring tool took (a source resolve). */
export const SOURCE_ACTOR = 'source';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, warning: 3, low: 2, info: 1 };

export function snapshotOf(state: AlertState): AlertSnapshot {
  const { content } = state;
  return {
    alertId: state.id,
    fingerprint: content.fingerprint,
    alertType: content.alertType,
    severity: content.severity,
    status: state.status,
    ...(content.summary !== undefined ? { summary: content.summary } : {}),
    labels: content.labels,
    occurrences: state.occurrences,
    silenced: state.silenced,
    startedAt: toIso(state.startedAt),
    lastSeenAt: toIso(state.lastSeenAt),
    ...(isWebLink(content.runbook) ? { runbookUrl: content.runbook } : {}),
    ...(content.generatorUrl !== undefined && isWebLink(content.generatorUrl)
      ? { sourceUrl: content.generatorUrl }
      : {}),
  };
}

/** Whether a runbook or generator URL is an http(s) link a message may show (a runbook may also be plain text). */
function isWebLink(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  return URL.canParse(text);
}

function contentOf(alert: ReceivedAlert): AlertContent {
  const { alertId: _id, status: _status, ...content } = alert;
  return content;
}

function startOf(alert: ReceivedAlert): Micros {
  return Number(alert.startsAt ?? alert.timestamp);
}

function entry(
  kind: TimelineKind,
  at: Micros,
  details: Record<string, unknown> = {},
  by: string | null = null,
  note: string | null = null,
): TimelineDraft {
  return { kind, at, by, note, details };
}

/**
 * Applies one received alert to the stored state (undefined: a fingerprint not seen before) —
 * deduplication, auto-resolve and re-trigger — and says what to record and publish. Pure: the
 * batch folds every occurrence of an alert through it, in arrival order.
 */
export function applyReceived(
  before: AlertState | undefined,
  received: Received,
  rules: IngestRules,
  tenantId: string,
  id: string,
): Outcome {
  const { alert, seenAt, silenced } = received;
  const resolving = alert.status === 'resolved';
  if (!before) {
    const state: AlertState = {
      tenantId,
      id,
      source: received.source,
      content: contentOf(alert),
      status: resolving ? 'resolved' : 'triggered',
      silenced,
      occurrences: 1,
      startedAt: startOf(alert),
      triggeredAt: seenAt,
      lastSeenAt: seenAt,
      createdAt: seenAt,
      updatedAt: seenAt,
      acknowledged: null,
      resolved: resolving ? { at: seenAt, by: SOURCE_ACTOR, note: null } : null,
      occLoggedAt: seenAt,
      occLogged: 1,
      analysis: null,
    };
    const timeline = [entry('created', seenAt, { source: received.source, status: state.status, silenced })];
    if (resolving) timeline.push(entry('resolved', seenAt, alert.endsAt ? { endsAt: alert.endsAt } : {}, SOURCE_ACTOR));
    // A resolved alert never seen firing is kept (nothing accepted is lost); its snapshot says resolved.
    return { state, timeline, events: [{ type: RoutingKeys.AlertCreated, payload: { alert: snapshotOf(state) } }] };
  }

  const timeline: TimelineDraft[] = [];
  const events: AlertEvent[] = [];
  const state: AlertState = { ...before, updatedAt: Math.max(before.updatedAt, seenAt) };

  if (resolving) {
    // The source's resolve: auto-resolves an open alert; a repeated resolve changes nothing.
    if (before.status === 'resolved') return { state: before, timeline, events };
    state.status = 'resolved';
    state.resolved = { at: seenAt, by: SOURCE_ACTOR, note: null };
    state.silenced = silenced;
    timeline.push(entry('resolved', seenAt, alert.endsAt ? { endsAt: alert.endsAt } : {}, SOURCE_ACTOR));
    events.push({ type: RoutingKeys.AlertResolved, payload: { alert: snapshotOf(state), by: SOURCE_ACTOR } });
    return { state, timeline, events };
  }

  state.content = contentOf(alert);
  state.occurrences = before.occurrences + 1;
  state.lastSeenAt = Math.max(before.lastSeenAt, seenAt);
  if (silenced !== before.silenced) {
    state.silenced = silenced;
    timeline.push(entry('silenced', seenAt, { silenced }));
    if (before.status !== 'resolved')
      events.push({ type: RoutingKeys.AlertUpdated, payload: { alert: snapshotOf(state), change: 'silenced' } });
  }

  if (before.status === 'resolved') {
    // A new occurrence of a resolved alert: a new episode.
    state.status = 'triggered';
    state.triggeredAt = seenAt;
    state.startedAt = startOf(alert);
    state.acknowledged = null;
    state.resolved = null;
    state.occLoggedAt = seenAt;
    state.occLogged = state.occurrences;
    timeline.push(entry('retriggered', seenAt, { occurrences: state.occurrences }));
    events.push({ type: RoutingKeys.AlertUpdated, payload: { alert: snapshotOf(state), change: 'retriggered' } });
    return { state, timeline, events };
  }

  // A repeat: counted on the row always; logged and published at most once per interval.
  if (seenAt - before.occLoggedAt >= rules.occurrenceLogIntervalUs) {
    timeline.push(
      entry('occurrence', seenAt, { occurrences: state.occurrences, since: state.occurrences - before.occLogged }),
    );
    events.push({ type: RoutingKeys.AlertUpdated, payload: { alert: snapshotOf(state), change: 'occurrence' } });
    state.occLoggedAt = seenAt;
    state.occLogged = state.occurrences;
  }
  return { state, timeline, events };
}

export type TransitionAction = 'acknowledge' | 'resolve';

const ALLOWED: Record<TransitionAction, readonly AlertStatus[]> = {
  acknowledge: ['triggered'],
  resolve: ['triggered', 'acknowledged'],
};

export type TransitionResult = { ok: true; outcome: Outcome } | { ok: false; conflict: string };

/** triggered → acknowledged → resolved (or triggered → resolved), by a person, with an optional note. */
export function transition(
  before: AlertState,
  action: TransitionAction,
  by: string,
  note: string | null,
  at: Micros,
): TransitionResult {
  if (!ALLOWED[action].includes(before.status)) {
    return { ok: false, conflict: `cannot ${action} alert ${before.id}: its status is ${before.status}` };
  }
  const step: Step = { at, by, note };
  const state: AlertState = { ...before, updatedAt: Math.max(before.updatedAt, at) };
  if (action === 'acknowledge') {
    state.status = 'acknowledged';
    state.acknowledged = step;
  } else {
    state.status = 'resolved';
    state.resolved = step;
  }
  const kind = action === 'acknowledge' ? 'acknowledged' : 'resolved';
  return {
    ok: true,
    outcome: {
      state,
      timeline: [entry(kind, at, { from: before.status }, by, note)],
      events: [
        {
          type: kind === 'acknowledged' ? RoutingKeys.AlertAcknowledged : RoutingKeys.AlertResolved,
          payload: { alert: snapshotOf(state), by, ...(note !== null ? { note } : {}) },
        },
      ],
    },
  };
}

/** A note on an alert: an entry in its timeline and an alert.updated; the status does not change. */
export function addNote(before: AlertState, text: string, by: string, at: Micros): Outcome {
  const state: AlertState = { ...before, updatedAt: Math.max(before.updatedAt, at) };
  return {
    state,
    timeline: [entry('note', at, {}, by, text)],
    events: [{ type: RoutingKeys.AlertUpdated, payload: { alert: snapshotOf(state), change: 'note' } }],
  };
}

/** Who did it: the envelope's actor (the gateway sets it from the credential), else the system. */
export function actorIdOf(actor: { id: string } | undefined): string {
  return actor?.id ?? 'system';
}
