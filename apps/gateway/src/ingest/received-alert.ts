import {
  alertIdOf,
  fingerprintOf,
  RECEIVED_ALERT_LIMITS,
  type ReceivedAlert,
  type SourceStatus,
} from '@vigil/contracts';
import { normaliseSeverity } from './severity.js';

/** The field limits of the ReceivedAlert contract: what the alert service validates, checked here first. */
export const LIMITS = RECEIVED_ALERT_LIMITS;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const DEFAULT_ENVIRONMENT = 'production';
/** Where an unrecognised severity is kept when the source's data does not already hold it. */
export const SEVERITY_ORIGINAL_KEY = 'severity_original';

/** One alert as a receiver mapped it, before defaults, limits and identity. */
export interface AlertDraft {
  alertType: string;
  runbook: string;
  /** As sent; normalised here. */
  severity?: string;
  timestampMicros?: bigint;
  fingerprint?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  summary?: string;
  description?: string;
  environment?: string;
  status: SourceStatus;
  startsAtMicros?: bigint;
  endsAtMicros?: bigint;
  generatorUrl?: string;
  data: Record<string, unknown>;
}

export interface BuildOptions {
  tenantId: string;
  now: bigint;
  /**
   * `strict` (POST /api/v1/alerts: the client chose every field, so an over-long one is its mistake,
   * answered 422) or `lenient` (webhooks: the whole entry is in `data`, so an over-long summary,
   * description or URL is cut in its field and kept whole there).
   */
  mode: 'strict' | 'lenient';
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Applies the alert model's defaults (severity warning, timestamp now, environment production), normalises
 * the severity, derives the fingerprint when the source gave none and the alert id from it. Problems
 * (`field: what is wrong`, prefixed with `at`) go to `problems`; undefined is returned then.
 */
export function buildReceivedAlert(
  draft: AlertDraft,
  options: BuildOptions,
  problems: string[],
  at = '',
): ReceivedAlert | undefined {
  const before = problems.length;
  const field = (name: string) => (at ? `${at}.${name}` : name);
  const alertType = draft.alertType.trim();
  if (alertType.length === 0) problems.push(`${field('alert_type')}: must not be empty`);
  else if (alertType.length > LIMITS.alertType)
    problems.push(`${field('alert_type')}: must be at most ${LIMITS.alertType} characters`);
  if (draft.runbook.length > LIMITS.runbook)
    problems.push(`${field('runbook')}: must be at most ${LIMITS.runbook} characters`);
  const environment = draft.environment?.trim() || DEFAULT_ENVIRONMENT;
  if (environment.length > LIMITS.environment)
    problems.push(`${field('environment')}: must be at most ${LIMITS.environment} characters`);
  if (
    draft.fingerprint !== undefined &&
    (draft.fingerprint.length === 0 || draft.fingerprint.length > LIMITS.fingerprint)
  ) {
    problems.push(`${field('fingerprint')}: must be 1 to ${LIMITS.fingerprint} characters`);
  }
  const lenient = options.mode === 'lenient';
  let summary = draft.summary;
  let description = draft.description;
  let generatorUrl = draft.generatorUrl;
  if (summary !== undefined && summary.length > LIMITS.summary) {
    if (lenient) summary = cut(summary, LIMITS.summary);
    else problems.push(`${field('summary')}: must be at most ${LIMITS.summary} characters`);
  }
  if (description !== undefined && description.length > LIMITS.description) {
    if (lenient) description = cut(description, LIMITS.description);
    else problems.push(`${field('description')}: must be at most ${LIMITS.description} characters`);
  }
  if (generatorUrl !== undefined && (generatorUrl.length === 0 || generatorUrl.length > LIMITS.generatorUrl))
    generatorUrl = undefined;
  const texts: [string, string | undefined][] = [
    ['alert_type', alertType],
    ['runbook', draft.runbook],
    ['environment', environment],
    ['fingerprint', draft.fingerprint],
    ['summary', summary],
    ['description', description],
    ...Object.entries(draft.labels).map(([k, v]): [string, string] => [`labels.${k}`, `${k}${v}`]),
    ...Object.entries(draft.annotations ?? {}).map(([k, v]): [string, string] => [`annotations.${k}`, `${k}${v}`]),
  ];
  // Indexed and searched columns cannot hold U+0000 (PostgreSQL text) nor a lone surrogate (no UTF-8
  // for it; the alert id is a UUIDv5 of the fingerprint's UTF-8); `data` can, and keeps them.
  for (const [name, value] of texts) {
    if (value?.includes('\u0000')) problems.push(`${field(name)}: must not contain the NUL character (U+0000)`);
    else if (value !== undefined && LONE_SURROGATE.test(value))
      problems.push(`${field(name)}: must be well-formed Unicode (it holds a lone surrogate)`);
  }
  if (problems.length > before) return undefined;

  let data = draft.data;
  let severity: ReceivedAlert['severity'] = 'warning';
  if (draft.severity !== undefined) {
    const normalised = normaliseSeverity(draft.severity);
    severity = normalised.severity;
    if (!normalised.recognised && !Object.prototype.hasOwnProperty.call(data, SEVERITY_ORIGINAL_KEY))
      data = { ...data, [SEVERITY_ORIGINAL_KEY]: draft.severity };
  }
  const fingerprint = draft.fingerprint ?? fingerprintOf({ alertType, labels: draft.labels, data: draft.data });
  const alert: ReceivedAlert = {
    alertId: alertIdOf(options.tenantId, fingerprint),
    alertType,
    runbook: draft.runbook,
    severity,
    timestamp: String(draft.timestampMicros ?? draft.startsAtMicros ?? options.now),
    environment,
    fingerprint,
    status: draft.status,
    labels: draft.labels,
    data,
  };
  if (draft.annotations !== undefined) alert.annotations = draft.annotations;
  if (summary !== undefined) alert.summary = summary;
  if (description !== undefined) alert.description = description;
  if (draft.startsAtMicros !== undefined) alert.startsAt = String(draft.startsAtMicros);
  if (draft.endsAtMicros !== undefined) alert.endsAt = String(draft.endsAtMicros);
  if (generatorUrl !== undefined) alert.generatorUrl = generatorUrl;
  return alert;
}
