import type {
  AnalysisStatus,
  AlertSource,
  AlertStatus,
  AlertView,
  SilenceView,
  TimelineEntry,
  LabelMatcher,
  RejectedPayloadView,
  SimilarAlertView,
} from '@vigil/contracts';
import {
  SEVERITY_RANK,
  type AlertContent,
  type AlertState,
  type Step,
  type TimelineDraft,
} from '../lifecycle/lifecycle.js';
import { analysisViewOf, type AnalysisState } from '../analysis/analysis.js';
import { silenceStateAt } from '../silences/matchers.js';
import { searchable, searchableLabels, searchTextOf } from './text.js';
import { micros, toIso, type Micros } from './time.js';
import type { Column, Row } from '@vigil/persistence';

/** The columns an AlertState (and an AlertView) is read from. */
export const STATE_COLUMNS =
  'tenant_id, id, source, status, silenced, occurrences, doc, steps, started_at_us, triggered_at_us, last_seen_at_us, created_at_us, updated_at_us, occ_logged_at_us, occ_logged, analysis_session_id, analysis_status, analysis_completed_at_us, analysis_doc';

const col = (name: string, pg: string): Column => ({ name, pg });

/** Every column the upsert writes, in the order of `alertParams`. Not the analysis: see `ANALYSIS_COLUMNS`. */
export const ALERT_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('id', 'uuid'),
  col('fingerprint', 'varchar'),
  col('alert_type', 'varchar'),
  col('severity', 'varchar'),
  col('severity_rank', 'smallint'),
  col('status', 'varchar'),
  col('source', 'varchar'),
  col('silenced', 'boolean'),
  col('occurrences', 'integer'),
  col('doc', 'text'),
  col('steps', 'text'),
  col('started_at_us', 'bigint'),
  col('triggered_at_us', 'bigint'),
  col('last_seen_at_us', 'bigint'),
  col('acknowledged_at_us', 'bigint'),
  col('resolved_at_us', 'bigint'),
  col('created_at_us', 'bigint'),
  col('updated_at_us', 'bigint'),
  col('occ_logged_at_us', 'bigint'),
  col('occ_logged', 'integer'),
];

/** The upsert of alert states, keyed by (tenant_id, id): every column but the key and created_at_us is replaced. */
export const UPSERT_ALERTS = `ON CONFLICT (tenant_id, id) DO UPDATE SET ${ALERT_COLUMNS.map((c) => c.name)
  .filter((c) => c !== 'tenant_id' && c !== 'id' && c !== 'created_at_us')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

export const SEARCH_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('id', 'uuid'),
  col('labels', 'text'),
  col('search', 'text'),
];
export const UPSERT_SEARCH =
  'ON CONFLICT (tenant_id, id) DO UPDATE SET labels = excluded.labels, search = excluded.search';

export const EVENT_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('alert_id', 'uuid'),
  col('at_us', 'bigint'),
  col('id', 'uuid'),
  col('kind', 'varchar'),
  col('actor', 'varchar'),
  col('body', 'text'),
];

interface StepsDoc {
  acknowledged: Step | null;
  resolved: Step | null;
}

/** The analysis columns, written apart from the upsert (ingest never overwrites an analysis). */
export const ANALYSIS_COLUMNS = [
  'analysis_session_id',
  'analysis_status',
  'analysis_completed_at_us',
  'analysis_doc',
] as const;

/** `analysis_doc`: what is returned verbatim, as exact JSON. */
interface AnalysisDoc {
  agent: string;
  text: string | null;
}

export function analysisOf(row: Row): AnalysisState | null {
  const sessionId = row['analysis_session_id'] as string | null | undefined;
  if (!sessionId) return null;
  const doc = JSON.parse(row['analysis_doc'] as string) as AnalysisDoc;
  return {
    sessionId,
    status: row['analysis_status'] as AnalysisStatus,
    agent: doc.agent,
    text: doc.text,
    completedAt: micros(row['analysis_completed_at_us'] as string | number | null),
  };
}

/** The analysis columns' values, in ANALYSIS_COLUMNS order. */
export function analysisParams(analysis: AnalysisState): unknown[] {
  const doc: AnalysisDoc = { agent: analysis.agent, text: analysis.text };
  return [analysis.sessionId, analysis.status, analysis.completedAt, JSON.stringify(doc)];
}

function num(value: unknown): Micros {
  return micros(value as string | number)!;
}

export function stateOf(row: Row): AlertState {
  const steps = JSON.parse(row['steps'] as string) as StepsDoc;
  return {
    tenantId: row['tenant_id'] as string,
    id: row['id'] as string,
    source: row['source'] as AlertSource,
    content: JSON.parse(row['doc'] as string) as AlertContent,
    status: row['status'] as AlertStatus,
    silenced: Boolean(row['silenced']),
    occurrences: Number(row['occurrences']),
    startedAt: num(row['started_at_us']),
    triggeredAt: num(row['triggered_at_us']),
    lastSeenAt: num(row['last_seen_at_us']),
    createdAt: num(row['created_at_us']),
    updatedAt: num(row['updated_at_us']),
    acknowledged: steps.acknowledged,
    resolved: steps.resolved,
    occLoggedAt: num(row['occ_logged_at_us']),
    occLogged: Number(row['occ_logged']),
    analysis: analysisOf(row),
  };
}

/** The upsert's values for one state, in ALERT_COLUMNS order. */
export function alertParams(state: AlertState): unknown[] {
  const { content } = state;
  const steps: StepsDoc = { acknowledged: state.acknowledged, resolved: state.resolved };
  return [
    state.tenantId,
    state.id,
    searchable(content.fingerprint),
    searchable(content.alertType),
    content.severity,
    SEVERITY_RANK[content.severity],
    state.status,
    state.source,
    state.silenced,
    state.occurrences,
    JSON.stringify(content),
    JSON.stringify(steps),
    state.startedAt,
    state.triggeredAt,
    state.lastSeenAt,
    state.acknowledged?.at ?? null,
    state.resolved?.at ?? null,
    state.createdAt,
    state.updatedAt,
    state.occLoggedAt,
    state.occLogged,
  ];
}

/** The alert_search row of a state: [labels, search]. */
export function searchOf(state: AlertState): [labels: string, search: string] {
  return [searchableLabels(state.content.labels), searchTextOf(state.content)];
}

function stepView(step: Step | null): AlertView['acknowledged'] {
  return step ? { at: toIso(step.at), by: step.by, note: step.note } : null;
}

export function viewOf(state: AlertState): AlertView {
  const { content } = state;
  return {
    id: state.id,
    fingerprint: content.fingerprint,
    alertType: content.alertType,
    severity: content.severity,
    status: state.status,
    source: state.source,
    environment: content.environment,
    runbook: content.runbook,
    summary: content.summary ?? null,
    description: content.description ?? null,
    labels: content.labels,
    annotations: content.annotations ?? {},
    data: content.data,
    generatorUrl: content.generatorUrl ?? null,
    occurrences: state.occurrences,
    silenced: state.silenced,
    timestamp: content.timestamp,
    startedAt: toIso(state.startedAt),
    lastSeenAt: toIso(state.lastSeenAt),
    acknowledged: stepView(state.acknowledged),
    resolved: stepView(state.resolved),
    analysis: state.analysis ? analysisViewOf(state.analysis) : null,
    createdAt: toIso(state.createdAt),
    updatedAt: toIso(state.updatedAt),
  };
}

/**
 * A similar alert (the similar_alerts tool): how it ended — the note of its last resolve, from the
 * row's `resolved_body` (that timeline entry's body), even when a new episode has begun since — and
 * its last analysis, when that investigation completed.
 */
export function similarViewOf(row: Row, match: SimilarAlertView['match']): SimilarAlertView {
  const state = stateOf(row);
  const resolvedBody = row['resolved_body'] as string | null | undefined;
  // The alert's timeline entries may be past ALERT_EVENTS_RETENTION_DAYS: a resolved alert still has its step.
  const resolutionNote = resolvedBody
    ? (JSON.parse(resolvedBody) as { note: string | null }).note
    : (state.resolved?.note ?? null);
  return {
    id: state.id,
    fingerprint: state.content.fingerprint,
    alertType: state.content.alertType,
    severity: state.content.severity,
    status: state.status,
    summary: state.content.summary ?? null,
    match,
    occurrences: state.occurrences,
    startedAt: toIso(state.startedAt),
    lastSeenAt: toIso(state.lastSeenAt),
    acknowledgedAt: state.acknowledged ? toIso(state.acknowledged.at) : null,
    resolvedAt: state.resolved ? toIso(state.resolved.at) : null,
    resolutionNote,
    // Only a completed investigation's text is an analysis; a failed or skipped one's is its error.
    analysis: state.analysis?.status === 'completed' ? state.analysis.text : null,
  };
}

export function eventParams(tenantId: string, alertId: string, id: string, draft: TimelineDraft): unknown[] {
  return [
    tenantId,
    alertId,
    draft.at,
    id,
    draft.kind,
    draft.by,
    JSON.stringify({ note: draft.note, details: draft.details }),
  ];
}

export function timelineEntryOf(row: Row): TimelineEntry {
  const body = JSON.parse(row['body'] as string) as { note: string | null; details: Record<string, unknown> };
  return {
    id: row['id'] as string,
    at: toIso(num(row['at_us'])),
    kind: row['kind'] as TimelineEntry['kind'],
    by: (row['actor'] as string | null) ?? null,
    note: body.note,
    details: body.details,
  };
}

export interface SilenceDoc {
  matchers: LabelMatcher[];
  comment: string | null;
}

export function silenceViewOf(row: Row, now: Micros): SilenceView {
  const doc = JSON.parse(row['doc'] as string) as SilenceDoc;
  const startsAt = num(row['starts_at_us']);
  const endsAt = num(row['ends_at_us']);
  return {
    id: row['id'] as string,
    matchers: doc.matchers,
    startsAt: toIso(startsAt),
    endsAt: toIso(endsAt),
    comment: doc.comment,
    createdBy: (row['created_by'] as string | null) ?? null,
    createdAt: toIso(num(row['created_at_us'])),
    state: silenceStateAt(startsAt, endsAt, now),
  };
}

export interface RejectedDoc {
  reason: string;
  contentType: string | null;
  /** As received, or its first ALERT_REJECTED_MAX_BODY_BYTES (`truncated`; the reason then says so). */
  body: string;
  /** UTF-8 bytes of the body as received (absent on rows stored before the cap). */
  receivedBytes?: number;
  truncated?: boolean;
}

export function rejectedViewOf(row: Row): RejectedPayloadView {
  const doc = JSON.parse(row['doc'] as string) as RejectedDoc;
  return {
    id: row['id'] as string,
    receivedAt: toIso(num(row['received_at_us'])),
    source: row['source'] as AlertSource,
    reason: doc.reason,
    contentType: doc.contentType,
    body: doc.body,
  };
}
