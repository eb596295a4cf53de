import { SOURCE_STATUSES, type ReceivedAlert, type SourceStatus } from '@vigil/contracts';
import { buildReceivedAlert, type AlertDraft, type BuildOptions } from './received-alert.js';
import { parseTimestamp } from './timestamp.js';
import { describeJsonType, isJsonObject, own, stringMap, type JsonObject } from './json-values.js';
import type { MappingResult } from './mapping-result.js';

/** The fields of the flexible alert model (docs/architecture.md); anything else belongs in `data`. */
const KNOWN_FIELDS = new Set([
  'alert_type',
  'runbook',
  'data',
  'severity',
  'timestamp',
  'fingerprint',
  'labels',
  'annotations',
  'summary',
  'description',
  'environment',
  'status',
]);

function stringField(body: JsonObject, name: string, at: string, problems: string[]): string | undefined {
  const value = own(body, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${at}${name}: must be a string, not ${describeJsonType(value)}`);
    return undefined;
  }
  return value;
}

function requiredString(body: JsonObject, name: string, at: string, problems: string[]): string | undefined {
  const value = own(body, name);
  if (value === undefined || value === null) {
    problems.push(`${at}${name}: is required`);
    return undefined;
  }
  const text = stringField(body, name, at, problems);
  if (text !== undefined && text.trim().length === 0) {
    problems.push(`${at}${name}: must not be empty`);
    return undefined;
  }
  return text;
}

/** One alert of POST /api/v1/alerts (`at` is `[i].` inside an array), or undefined with its problems. */
function draftOf(body: JsonObject, at: string, problems: string[]): AlertDraft | undefined {
  const before = problems.length;
  for (const key of Object.keys(body)) {
    if (!KNOWN_FIELDS.has(key)) problems.push(`${at}${key}: unknown field (put source-specific fields in data)`);
  }
  const alertType = requiredString(body, 'alert_type', at, problems);
  const runbook = requiredString(body, 'runbook', at, problems);
  const rawData = own(body, 'data');
  let data: JsonObject = {};
  if (rawData !== undefined && rawData !== null) {
    if (isJsonObject(rawData)) data = rawData;
    else problems.push(`${at}data: must be a JSON object, not ${describeJsonType(rawData)}`);
  }
  const severity = stringField(body, 'severity', at, problems);
  let timestampMicros: bigint | undefined;
  const rawTimestamp = own(body, 'timestamp');
  if (rawTimestamp !== undefined && rawTimestamp !== null) {
    const parsed = parseTimestamp(rawTimestamp);
    if (parsed.ok) timestampMicros = parsed.micros;
    else problems.push(`${at}timestamp: ${parsed.problem}`);
  }
  const fingerprint = stringField(body, 'fingerprint', at, problems);
  const rawLabels = own(body, 'labels');
  const labels = rawLabels === undefined || rawLabels === null ? {} : stringMap(rawLabels, `${at}labels`, problems);
  const rawAnnotations = own(body, 'annotations');
  const annotations =
    rawAnnotations === undefined || rawAnnotations === null
      ? undefined
      : stringMap(rawAnnotations, `${at}annotations`, problems);
  const summary = stringField(body, 'summary', at, problems);
  const description = stringField(body, 'description', at, problems);
  const environment = stringField(body, 'environment', at, problems);
  if (environment !== undefined && environment.trim().length === 0)
    problems.push(`${at}environment: must not be empty`);
  const rawStatus = stringField(body, 'status', at, problems);
  let status: SourceStatus = 'firing';
  if (rawStatus !== undefined) {
    const lower = rawStatus.trim().toLowerCase();
    if ((SOURCE_STATUSES as readonly string[]).includes(lower)) status = lower as SourceStatus;
    else problems.push(`${at}status: must be one of ${SOURCE_STATUSES.join(', ')}`);
  }
  if (problems.length > before || alertType === undefined || runbook === undefined || labels === undefined)
    return undefined;
  return {
    alertType,
    runbook,
    status,
    labels,
    data,
    ...(severity !== undefined ? { severity } : {}),
    ...(timestampMicros !== undefined ? { timestampMicros } : {}),
    ...(fingerprint !== undefined ? { fingerprint } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
    ...(summary !== undefined ? { summary } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(environment !== undefined ? { environment } : {}),
  };
}

/**
 * POST /api/v1/alerts: one alert (an object) or several (an array, at most `maxBatch`), in seed
 * 002's flexible model. Every problem is named with its field, and its index in an array (`[3].runbook`).
 */
export function mapApiAlerts(body: unknown, options: BuildOptions & { maxBatch: number }): MappingResult {
  const items = Array.isArray(body) ? body : [body];
  if (!Array.isArray(body) && !isJsonObject(body))
    return {
      ok: false,
      problems: [`body: must be a JSON object (one alert) or an array of alerts, not ${describeJsonType(body)}`],
    };
  if (items.length === 0) return { ok: false, problems: ['body: the array holds no alert'] };
  if (items.length > options.maxBatch)
    return {
      ok: false,
      tooMany: true,
      problems: [`body: ${items.length} alerts in one request; at most ${options.maxBatch} (ALERTS_MAX_BATCH)`],
    };
  const problems: string[] = [];
  const alerts: ReceivedAlert[] = [];
  items.forEach((item, index) => {
    const at = Array.isArray(body) ? `[${index}]` : '';
    if (!isJsonObject(item)) {
      problems.push(`${at}: must be a JSON object, not ${describeJsonType(item)}`);
      return;
    }
    const draft = draftOf(item, at ? `${at}.` : '', problems);
    if (!draft) return;
    const alert = buildReceivedAlert(draft, options, problems, at);
    if (alert) alerts.push(alert);
  });
  return problems.length ? { ok: false, problems } : { ok: true, alerts };
}
