import { SOURCE_STATUSES, type ReceivedAlert, type SourceStatus } from '@vigil/contracts';
import { buildReceivedAlert, LIMITS, type BuildOptions } from './received-alert.js';
import { isoToMicros } from './timestamp.js';
import { describeJsonType, isJsonObject, own, stringMap, type JsonObject } from './json-values.js';
import type { MappingResult } from './mapping-result.js';

export const DEFAULT_TYPE_LABEL = 'alertname';

/** The group fields of an Alertmanager (v4) notification. */
const ALERTMANAGER_GROUP_FIELDS = [
  'receiver',
  'status',
  'groupKey',
  'groupLabels',
  'commonLabels',
  'commonAnnotations',
  'externalURL',
  'version',
  'truncatedAlerts',
] as const;

/** The group fields kept with every alert of a notification (as `data.group`), per source. */
const GROUP_FIELDS = {
  alertmanager: ALERTMANAGER_GROUP_FIELDS,
  // Grafana unified alerting sends Alertmanager's and adds a rendered title/message, its own state and the org.
  grafana: [...ALERTMANAGER_GROUP_FIELDS, 'orgId', 'title', 'state', 'message'],
} as const;

export interface WebhookOptions extends BuildOptions {
  maxBatch: number;
  /** The label whose value is the alert type (`?type_label=`, default alertname). */
  typeLabel: string;
}

function statusOf(value: unknown): SourceStatus | undefined {
  return typeof value === 'string' && (SOURCE_STATUSES as readonly string[]).includes(value.toLowerCase())
    ? (value.toLowerCase() as SourceStatus)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * Alertmanager webhook v4, and Grafana unified alerting (the same shape with extra fields): one alert
 * per `alerts[]` entry. The entry's own status decides firing or resolved (a group says `firing` while
 * some of its alerts have resolved); its fingerprint is the dedup key; the type is the `typeLabel`
 * label (then `alertname`); the runbook is the `runbook_url` annotation, else a `runbook` annotation,
 * else "" (none: an alert is never refused for lacking one); `data` is the entry as sent plus the
 * group's context under `data.group`.
 */
export function mapAlertmanagerLike(
  body: unknown,
  source: 'alertmanager' | 'grafana',
  options: WebhookOptions,
): MappingResult {
  if (!isJsonObject(body))
    return {
      ok: false,
      problems: [
        `body: must be a JSON object with an "alerts" array (${source} webhook), not ${describeJsonType(body)}`,
      ],
    };
  const entries = own(body, 'alerts');
  if (entries === undefined)
    return {
      ok: false,
      problems: [
        `alerts: is missing: not ${source === 'grafana' ? 'a Grafana unified alerting' : 'an Alertmanager v4'} webhook payload`,
      ],
    };
  if (!Array.isArray(entries))
    return { ok: false, problems: [`alerts: must be an array, not ${describeJsonType(entries)}`] };
  if (entries.length === 0) return { ok: false, problems: ['alerts: holds no alert'] };
  if (entries.length > options.maxBatch)
    return {
      ok: false,
      tooMany: true,
      problems: [`alerts: ${entries.length} alerts in one request; at most ${options.maxBatch} (ALERTS_MAX_BATCH)`],
    };

  const group: JsonObject = {};
  for (const name of GROUP_FIELDS[source]) if (own(body, name) !== undefined) group[name] = body[name];
  const groupStatus = statusOf(own(body, 'status'));
  const problems: string[] = [];
  const alerts: ReceivedAlert[] = [];
  entries.forEach((entry, index) => {
    const at = `alerts[${index}]`;
    if (!isJsonObject(entry)) {
      problems.push(`${at}: must be a JSON object, not ${describeJsonType(entry)}`);
      return;
    }
    const before = problems.length;
    const labels = stringMap(own(entry, 'labels') ?? {}, `${at}.labels`, problems, true);
    const rawAnnotations = own(entry, 'annotations');
    const annotations =
      rawAnnotations === undefined || rawAnnotations === null
        ? {}
        : stringMap(rawAnnotations, `${at}.annotations`, problems, true);
    if (!labels || !annotations || problems.length > before) return;
    // Own properties only: a type label called "constructor" must not find Object's.
    const label = (name: string): string | undefined =>
      Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : undefined;
    const note = (name: string): string | undefined =>
      Object.prototype.hasOwnProperty.call(annotations, name) ? annotations[name] : undefined;
    const typeLabel = label(options.typeLabel) !== undefined ? options.typeLabel : DEFAULT_TYPE_LABEL;
    const alertType = label(typeLabel)?.trim();
    if (!alertType) {
      problems.push(
        `${at}.labels.${options.typeLabel}: is missing or empty: it gives the alert type${options.typeLabel !== DEFAULT_TYPE_LABEL ? ` (nor is there an ${DEFAULT_TYPE_LABEL} label)` : ''}`,
      );
      return;
    }
    if (alertType.length > LIMITS.alertType) {
      problems.push(
        `${at}.labels.${typeLabel}: must be at most ${LIMITS.alertType} characters (it gives the alert type)`,
      );
      return;
    }
    const fingerprint = text(own(entry, 'fingerprint'));
    if (fingerprint !== undefined && fingerprint.length > LIMITS.fingerprint) {
      problems.push(`${at}.fingerprint: must be at most ${LIMITS.fingerprint} characters`);
      return;
    }
    const runbook = note('runbook_url') ?? note('runbook') ?? '';
    if (runbook.length > LIMITS.runbook) {
      problems.push(`${at}.annotations.runbook_url: must be at most ${LIMITS.runbook} characters`);
      return;
    }
    const environment = label('environment')?.trim();
    const startsAtMicros = isoToMicros(own(entry, 'startsAt'));
    const endsAtMicros = isoToMicros(own(entry, 'endsAt'));
    const generatorUrl = text(own(entry, 'generatorURL'));
    const summary = note('summary');
    const description = note('description') ?? note('message');
    const data: JsonObject = Object.keys(group).length ? { ...entry, group } : { ...entry };
    const alert = buildReceivedAlert(
      {
        alertType,
        runbook,
        labels,
        annotations,
        status: statusOf(own(entry, 'status')) ?? groupStatus ?? 'firing',
        data,
        ...(label('severity') !== undefined ? { severity: label('severity')! } : {}),
        ...(fingerprint !== undefined ? { fingerprint } : {}),
        ...(environment && environment.length <= LIMITS.environment ? { environment } : {}),
        ...(startsAtMicros !== undefined ? { startsAtMicros } : {}),
        ...(endsAtMicros !== undefined ? { endsAtMicros } : {}),
        ...(generatorUrl !== undefined ? { generatorUrl } : {}),
        ...(summary !== undefined ? { summary } : {}),
        ...(description !== undefined ? { description } : {}),
      },
      options,
      problems,
      at,
    );
    if (alert) alerts.push(alert);
  });
  return problems.length ? { ok: false, problems } : { ok: true, alerts };
}
