import { WEBHOOK_MAPPING_FIELDS, type ReceivedAlert, type SourceStatus } from '@vigil/contracts';
import { FieldPathError, parseFieldPath, resolvePath, type PathSegment } from './field-path.js';
import { describeJsonType, isJsonObject, stringMap } from './json-values.js';
import type { MappingResult } from './mapping-result.js';
import { buildReceivedAlert, LIMITS, type AlertDraft, type BuildOptions } from './received-alert.js';
import { parseTimestamp } from './timestamp.js';

/** The fields a generic mapping can point at, each with a field path into one alert. `items` points at the array of alerts in the body. */
export const GENERIC_MAPPING_FIELDS = WEBHOOK_MAPPING_FIELDS;
export type GenericMappingField = (typeof GENERIC_MAPPING_FIELDS)[number];
export type GenericMapping = Partial<Record<GenericMappingField, string>>;

/** Where each field is looked for when no mapping names it: the alert model's own field names. */
export const DEFAULT_GENERIC_MAPPING: Readonly<Record<Exclude<GenericMappingField, 'items'>, string>> = {
  type: 'alert_type',
  severity: 'severity',
  fingerprint: 'fingerprint',
  status: 'status',
  summary: 'summary',
  description: 'description',
  runbook: 'runbook',
  labels: 'labels',
  timestamp: 'timestamp',
  environment: 'environment',
};

/** Status values (case-insensitive) that mean the source says the problem is over; anything else is firing. */
export const RESOLVED_WORDS: ReadonlySet<string> = new Set([
  'resolved',
  'ok',
  'normal',
  'closed',
  'recovered',
  'inactive',
  'cleared',
  'false',
]);

export interface CompiledMapping {
  paths: Partial<Record<GenericMappingField, { text: string; segments: PathSegment[]; explicit: boolean }>>;
}

/** Layers the mappings (later wins: defaults, then the tenant's stored one, then the query's) and parses every path. */
export function compileMapping(
  layers: readonly GenericMapping[],
): { ok: true; mapping: CompiledMapping } | { ok: false; problems: string[] } {
  const paths: CompiledMapping['paths'] = {};
  const problems: string[] = [];
  const chosen: Partial<Record<GenericMappingField, { text: string; explicit: boolean }>> = {};
  for (const [field, text] of Object.entries(DEFAULT_GENERIC_MAPPING))
    chosen[field as GenericMappingField] = { text, explicit: false };
  for (const layer of layers) {
    for (const field of GENERIC_MAPPING_FIELDS) {
      const text = layer[field];
      if (text !== undefined) chosen[field] = { text, explicit: true };
    }
  }
  for (const [field, choice] of Object.entries(chosen) as [
    GenericMappingField,
    { text: string; explicit: boolean },
  ][]) {
    try {
      paths[field] = { text: choice.text, segments: parseFieldPath(choice.text), explicit: choice.explicit };
    } catch (error) {
      if (!(error instanceof FieldPathError)) throw error;
      problems.push(`mapping ${field}: the path "${choice.text.slice(0, 100)}" ${error.message}`);
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, mapping: { paths } };
}

/** What is wrong with the paths of a mapping to be stored, one problem per bad path, naming its field. */
export function mappingPathProblems(mapping: GenericMapping): string[] {
  const problems: string[] = [];
  for (const field of GENERIC_MAPPING_FIELDS) {
    const text = mapping[field];
    if (text === undefined) continue;
    try {
      parseFieldPath(text);
    } catch (error) {
      if (!(error instanceof FieldPathError)) throw error;
      problems.push(`${field}: the path "${text.slice(0, 100)}" ${error.message}`);
    }
  }
  return problems;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Any JSON object (one alert) or array (several), or an object holding the array at the `items`
 * path, mapped field by field through the compiled paths. The type must resolve to a non-empty
 * scalar; the runbook, when missing, is "" (none); everything else is optional. `data` is the alert's
 * object as sent.
 */
export function mapGeneric(
  body: unknown,
  mapping: CompiledMapping,
  options: BuildOptions & { maxBatch: number },
): MappingResult {
  const { paths } = mapping;
  let items: unknown[];
  let base = '';
  if (paths.items) {
    const found = resolvePath(body, paths.items.segments);
    if (found === undefined)
      return { ok: false, problems: [`items: the path "${paths.items.text}" resolves to nothing`] };
    items = Array.isArray(found) ? found : [found];
    base = paths.items.text;
  } else if (Array.isArray(body)) {
    items = body;
  } else if (isJsonObject(body)) {
    items = [body];
  } else {
    return { ok: false, problems: [`body: must be a JSON object or an array, not ${describeJsonType(body)}`] };
  }
  if (items.length === 0) return { ok: false, problems: [`${base || 'body'}: holds no alert`] };
  if (items.length > options.maxBatch)
    return {
      ok: false,
      tooMany: true,
      problems: [
        `${base || 'body'}: ${items.length} alerts in one request; at most ${options.maxBatch} (ALERTS_MAX_BATCH)`,
      ],
    };
  const many = items.length > 1 || Array.isArray(body) || base !== '';
  const problems: string[] = [];
  const alerts: ReceivedAlert[] = [];
  items.forEach((item, index) => {
    const at = many ? `${base}[${index}]` : '';
    const where = at ? `${at}: ` : '';
    if (!isJsonObject(item)) {
      problems.push(`${where || 'alert: '}must be a JSON object, not ${describeJsonType(item)}`);
      return;
    }
    const field = (name: GenericMappingField): unknown =>
      paths[name] ? resolvePath(item, paths[name].segments) : undefined;
    const pathOf = (name: GenericMappingField) => paths[name]?.text ?? '';
    const before = problems.length;

    const rawType = field('type');
    const alertType = scalarText(rawType)?.trim();
    if (!alertType) {
      problems.push(
        `${where}type: the path "${pathOf('type')}" resolves to ${rawType === undefined ? 'nothing' : describeJsonType(rawType)}; it must give the alert type (map it with ?type=<path>)`,
      );
      return;
    }
    if (alertType.length > LIMITS.alertType)
      problems.push(`${where}type: the value at "${pathOf('type')}" is longer than ${LIMITS.alertType} characters`);
    const scalar = (name: GenericMappingField): string | undefined => {
      const value = field(name);
      if (value === undefined || value === null) return undefined;
      const text = scalarText(value);
      if (text === undefined && paths[name]?.explicit)
        problems.push(
          `${where}${name}: the path "${pathOf(name)}" resolves to ${describeJsonType(value)}, not a text or number`,
        );
      return text;
    };
    const severity = scalar('severity');
    const fingerprint = scalar('fingerprint');
    const status = scalar('status');
    const summary = scalar('summary');
    const description = scalar('description');
    const runbook = scalar('runbook') ?? '';
    const environment = scalar('environment')?.trim();
    let labels: Record<string, string> = {};
    const rawLabels = field('labels');
    if (rawLabels !== undefined && rawLabels !== null) {
      if (isJsonObject(rawLabels))
        labels = stringMap(rawLabels, `${at ? `${at}.` : ''}${pathOf('labels')}`, problems, true) ?? {};
      else if (paths.labels?.explicit)
        problems.push(
          `${where}labels: the path "${pathOf('labels')}" resolves to ${describeJsonType(rawLabels)}, not an object`,
        );
    }
    const parsedTime = field('timestamp') === undefined ? undefined : parseTimestamp(field('timestamp'));
    if (fingerprint !== undefined && (fingerprint.length === 0 || fingerprint.length > LIMITS.fingerprint))
      problems.push(
        `${where}fingerprint: the value at "${pathOf('fingerprint')}" must be 1 to ${LIMITS.fingerprint} characters`,
      );
    if (runbook.length > LIMITS.runbook)
      problems.push(`${where}runbook: the value at "${pathOf('runbook')}" is longer than ${LIMITS.runbook} characters`);
    if (problems.length > before) return;
    const draft: AlertDraft = {
      alertType,
      runbook,
      labels,
      data: item,
      status: (status !== undefined && RESOLVED_WORDS.has(status.trim().toLowerCase())
        ? 'resolved'
        : 'firing') satisfies SourceStatus,
      ...(severity !== undefined ? { severity } : {}),
      ...(fingerprint !== undefined ? { fingerprint } : {}),
      ...(summary !== undefined ? { summary } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(environment && environment.length <= LIMITS.environment ? { environment } : {}),
      ...(parsedTime?.ok ? { timestampMicros: parsedTime.micros } : {}),
    };
    const alert = buildReceivedAlert(draft, { ...options, mode: 'lenient' }, problems, at);
    if (alert) alerts.push(alert);
  });
  return problems.length ? { ok: false, problems } : { ok: true, alerts };
}

/** The mapping a query string gives (`?type=labels.alertname&severity=$.level`); unknown parameters are problems. */
export function mappingFromQuery(
  query: Record<string, unknown>,
): { ok: true; mapping: GenericMapping } | { ok: false; problems: string[] } {
  const mapping: GenericMapping = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!(GENERIC_MAPPING_FIELDS as readonly string[]).includes(name)) {
      problems.push(`${name}: unknown query parameter; a mapping names ${GENERIC_MAPPING_FIELDS.join(', ')}`);
      continue;
    }
    if (typeof value !== 'string') {
      problems.push(`${name}: give one path`);
      continue;
    }
    mapping[name as GenericMappingField] = value;
  }
  return problems.length ? { ok: false, problems } : { ok: true, mapping };
}
