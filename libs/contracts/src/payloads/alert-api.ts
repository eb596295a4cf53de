import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { ALERT_STATUSES, SEVERITIES, type AlertAnalysis, type AlertStatus, type Severity } from './alert.js';
import type { AlertSource } from './ingest.js';
import { PageRequest } from '../paging.js';
import { STATS_WINDOW } from '../time.js';
import { SILENCE_REGEX_LIMITS, silenceRegexProblem } from '../silence-regex.js';

// ---- queries -----------------------------------------------------------------------------------

export const ALERT_SORT_FIELDS = ['last_seen_at', 'started_at', 'severity', 'occurrences'] as const;

export class AlertListQuery extends PageRequest {
  @IsOptional()
  @IsArray()
  @IsIn(ALERT_STATUSES, { each: true, message: `status must be among ${ALERT_STATUSES.join(', ')}` })
  status?: AlertStatus[];

  @IsOptional()
  @IsArray()
  @IsIn(SEVERITIES, { each: true, message: `severity must be among ${SEVERITIES.join(', ')}` })
  severity?: Severity[];

  @IsOptional()
  @IsString()
  @MaxLength(256)
  alertType?: string;

  /** Label matchers `key=value` (all must hold). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[^=]{1,128}=.{0,512}$/s, { each: true, message: 'label must look like key=value' })
  label?: string[];

  /** Started at or after / before (ISO-8601). */
  @IsOptional()
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;

  /** Free text over summary, description and labels. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @IsOptional()
  @IsIn(ALERT_SORT_FIELDS)
  sort?: (typeof ALERT_SORT_FIELDS)[number];

  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class AlertTransitionRequest {
  @IsUUID()
  id!: string;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  note?: string;
}

export class AlertNoteRequest {
  @IsUUID()
  id!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(10_000)
  text!: string;
}

export class AlertStatsQuery {
  /** e.g. 15m, 24h, 7d. */
  @Matches(STATS_WINDOW, { message: 'window must look like 15m, 24h or 7d' })
  window!: string;
}

// ---- silences ----------------------------------------------------------------------------------

export const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatcherOp = (typeof MATCHER_OPS)[number];

const REGEX_OPS: ReadonlySet<string> = new Set(['=~', '!~']);

/**
 * With a regex op (`=~`, `!~`), the value must be a pattern the silence engine accepts (RE2 syntax,
 * see silence-regex.ts); a value over the length limit is MaxLength's to report.
 */
function IsSilencePatternForRegexOps(): PropertyDecorator {
  const problemOf = (matcher: { op?: unknown }, value: unknown): string | undefined =>
    typeof matcher.op === 'string' &&
    REGEX_OPS.has(matcher.op) &&
    typeof value === 'string' &&
    value.length <= SILENCE_REGEX_LIMITS.patternLength
      ? silenceRegexProblem(value)
      : undefined;
  return (prototype, key) => {
    registerDecorator({
      name: 'isSilencePattern',
      target: prototype.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown, args) => !args || problemOf(args.object, value) === undefined,
        defaultMessage: (args) => (args && problemOf(args.object, args.value)) ?? 'invalid regular expression',
      },
    });
  };
}

export class LabelMatcher {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  name!: string;

  @IsIn(MATCHER_OPS, { message: `op must be one of ${MATCHER_OPS.join(' ')}` })
  op!: MatcherOp;

  @IsString()
  @MaxLength(SILENCE_REGEX_LIMITS.patternLength)
  @IsSilencePatternForRegexOps()
  value!: string;
}

export class CreateSilenceRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LabelMatcher)
  matchers!: LabelMatcher[];

  @IsISO8601()
  startsAt!: string;

  @IsISO8601()
  endsAt!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

/** The fields of a silence a change may touch (the gateway's PATCH body). */
export class SilenceChanges {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LabelMatcher)
  matchers?: LabelMatcher[];

  @IsOptional()
  @IsISO8601()
  startsAt?: string;

  @IsOptional()
  @IsISO8601()
  endsAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class UpdateSilenceRequest extends SilenceChanges {
  @IsUUID()
  id!: string;
}

// ---- webhook mappings ----------------------------------------------------------------------------

/**
 * The fields a generic-webhook mapping can point at (`items`: the array of alerts in the body; the
 * others: a field of one alert). The gateway checks each path's syntax; the alert service stores them.
 */
export const WEBHOOK_MAPPING_FIELDS = [
  'items',
  'type',
  'severity',
  'fingerprint',
  'status',
  'summary',
  'description',
  'runbook',
  'labels',
  'timestamp',
  'environment',
] as const;
export type WebhookMappingField = (typeof WEBHOOK_MAPPING_FIELDS)[number];

/** A tenant's stored generic-webhook mapping: a field path per mapped field, each optional (`alert.webhook-mapping.put`; also the HTTP body). */
export class WebhookMapping {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  items?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  severity?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  fingerprint?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  status?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  summary?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  description?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  runbook?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  labels?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  timestamp?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  environment?: string;
}

/** Only the mapping fields of `value`, in WEBHOOK_MAPPING_FIELDS order (extra fields a newer producer may send are dropped). */
export function webhookMappingOf(
  value: Partial<Record<WebhookMappingField, unknown>>,
): Partial<Record<WebhookMappingField, string>> {
  const mapping: Partial<Record<WebhookMappingField, string>> = {};
  for (const field of WEBHOOK_MAPPING_FIELDS) {
    const path = value[field];
    if (typeof path === 'string') mapping[field] = path;
  }
  return mapping;
}

// ---- replies -----------------------------------------------------------------------------------

export interface AlertStep {
  at: string;
  by: string;
  note: string | null;
}

export interface AlertView {
  id: string;
  fingerprint: string;
  alertType: string;
  severity: Severity;
  status: AlertStatus;
  source: AlertSource;
  environment: string;
  runbook: string;
  summary: string | null;
  description: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  data: Record<string, unknown>;
  generatorUrl: string | null;
  occurrences: number;
  silenced: boolean;
  /** Unix microseconds as a decimal string, and ISO-8601 with microseconds. */
  timestamp: string;
  startedAt: string;
  lastSeenAt: string;
  acknowledged: AlertStep | null;
  resolved: AlertStep | null;
  /** The latest investigation of the alert by the agent runner; null before the first one. */
  analysis: AlertAnalysis | null;
  createdAt: string;
  updatedAt: string;
}

export const TIMELINE_KINDS = [
  'created',
  'occurrence',
  'acknowledged',
  'resolved',
  'retriggered',
  'note',
  'analysed',
  'silenced',
  'escalated',
] as const;

export interface TimelineEntry {
  id: string;
  at: string;
  kind: (typeof TIMELINE_KINDS)[number];
  by: string | null;
  note: string | null;
  details: Record<string, unknown>;
}

export interface AlertWithTimeline extends AlertView {
  timeline: TimelineEntry[];
  /** The alert's investigations, newest first: ids of their sessions in the history (`/api/v1/history/sessions/:id`). */
  sessionIds: string[];
}

export interface AlertStats {
  window: string;
  from: string;
  to: string;
  total: number;
  byStatus: Record<AlertStatus, number>;
  bySeverity: Record<Severity, number>;
  /** Seconds; null when nothing was acknowledged / resolved in the window. */
  meanTimeToAcknowledge: number | null;
  meanTimeToResolve: number | null;
  topAlertTypes: { alertType: string; count: number }[];
  busiestSources: { source: string; count: number }[];
}

export interface SilenceView {
  id: string;
  matchers: LabelMatcher[];
  startsAt: string;
  endsAt: string;
  comment: string | null;
  createdBy: string | null;
  createdAt: string;
  /** active | pending | expired, now. */
  state: 'active' | 'pending' | 'expired';
}

export interface RejectedPayloadView {
  id: string;
  receivedAt: string;
  source: AlertSource;
  reason: string;
  contentType: string | null;
  body: string;
}

/** `alert.webhook-mapping.get` / `.put`: the tenant's stored generic mapping, or `mapping: null` when it has none. */
export interface WebhookMappingView {
  source: 'generic';
  mapping: Partial<Record<WebhookMappingField, string>> | null;
  /** ISO-8601 with microseconds; null when nothing is stored. */
  updatedAt: string | null;
  /** The id of the user or API key that stored it. */
  updatedBy: string | null;
}
