import { ALERT_STATUSES, SEVERITIES, type AlertStats, type AlertStatus, type Severity } from '@vigil/contracts';

/** One group of the stats query: alerts of one status, severity and source, with their durations summed. */
export interface StatsGroup {
  status: AlertStatus;
  severity: Severity;
  source: string;
  count: number;
  acknowledgedCount: number;
  acknowledgeSeconds: number;
  resolvedCount: number;
  resolveSeconds: number;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Every figure comes from the same groups (one query, one snapshot), so they add up by
 * construction: total = Σ byStatus = Σ bySeverity = Σ over all sources.
 */
export function combineStats(
  window: { window: string; from: string; to: string },
  groups: readonly StatsGroup[],
  topAlertTypes: { alertType: string; count: number }[],
  topSources = 10,
): AlertStats {
  const byStatus = Object.fromEntries(ALERT_STATUSES.map((s) => [s, 0])) as Record<AlertStatus, number>;
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const bySource = new Map<string, number>();
  let total = 0;
  let ackCount = 0;
  let ackSeconds = 0;
  let resolveCount = 0;
  let resolveSeconds = 0;
  for (const group of groups) {
    total += group.count;
    byStatus[group.status] += group.count;
    bySeverity[group.severity] += group.count;
    bySource.set(group.source, (bySource.get(group.source) ?? 0) + group.count);
    ackCount += group.acknowledgedCount;
    ackSeconds += group.acknowledgeSeconds;
    resolveCount += group.resolvedCount;
    resolveSeconds += group.resolveSeconds;
  }
  return {
    ...window,
    total,
    byStatus,
    bySeverity,
    meanTimeToAcknowledge: ackCount ? round(ackSeconds / ackCount) : null,
    meanTimeToResolve: resolveCount ? round(resolveSeconds / resolveCount) : null,
    topAlertTypes,
    busiestSources: [...bySource]
      .map(([source, count]) => ({ source, count }))
      .sort((a, b) => b.count - a.count || a.source.localeCompare(b.source))
      .slice(0, topSources),
  };
}
