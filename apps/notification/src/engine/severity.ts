import { SEVERITIES, type Severity } from '@vigil/contracts';

/** Higher is worse: info 0 … critical 4. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(severity);
}

/** Whether `severity` is `floor` or worse. */
export function atLeast(severity: Severity, floor: Severity): boolean {
  return severityRank(severity) >= severityRank(floor);
}
