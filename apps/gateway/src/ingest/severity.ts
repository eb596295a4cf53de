import { SEVERITIES, type Severity } from '@vigil/contracts';

const ALIASES: ReadonlyMap<string, Severity> = new Map([
  ['medium', 'warning'],
  ['error', 'high'],
]);

/**
 * The alert model's severities: critical | high | warning | low | info, case-insensitive; `medium` → warning,
 * `error` → high; anything else → warning (`recognised: false`, so the caller can keep the original).
 */
export function normaliseSeverity(raw: string): { severity: Severity; recognised: boolean } {
  const value = raw.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(value)) return { severity: value as Severity, recognised: true };
  const alias = ALIASES.get(value);
  return alias ? { severity: alias, recognised: true } : { severity: 'warning', recognised: false };
}
