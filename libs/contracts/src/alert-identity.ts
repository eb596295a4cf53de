import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/** Namespace of alert ids (UUIDv5): fixed forever, or every alert would change identity. */
const ALERT_ID_NAMESPACE = '3f1c6a52-8f0e-4f55-9d36-6f1b0f7f4a11';

/**
 * The id of the alert a fingerprint denotes within a tenant. Deterministic, so the gateway can
 * answer 202 with the id before the alert service has stored anything, and a repeat maps to the
 * alert it repeats.
 */
export function alertIdOf(tenantId: string, fingerprint: string): string {
  return uuidv5(`${tenantId}\u0000${fingerprint}`, ALERT_ID_NAMESPACE);
}

/** JSON with object keys sorted at every level: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The dedup key when the source gives none (docs/architecture.md, "The alert model"): a stable
 * hash of the alert type and its sorted labels, or of the whole payload when it has no labels.
 */
export function fingerprintOf(alert: { alertType: string; labels?: Record<string, string>; data?: unknown }): string {
  const hasLabels = alert.labels && Object.keys(alert.labels).length > 0;
  const identity = hasLabels
    ? canonicalJson({ alertType: alert.alertType, labels: alert.labels })
    : canonicalJson({ alertType: alert.alertType, data: alert.data ?? null });
  return createHash('sha256').update(identity).digest('hex').slice(0, 32);
}
