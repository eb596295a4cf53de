import { combineStats, type StatsGroup } from './stats.js';

const group = (
  status: StatsGroup['status'],
  severity: StatsGroup['severity'],
  source: string,
  count: number,
  ack: [number, number] = [0, 0],
  res: [number, number] = [0, 0],
): StatsGroup => ({
  status,
  severity,
  source,
  count,
  acknowledgedCount: ack[0],
  acknowledgeSeconds: ack[1],
  resolvedCount: res[0],
  resolveSeconds: res[1],
});

const window = { window: '24h', from: 'a', to: 'b' };

describe('combineStats', () => {
  it('adds up: total = Σ by status = Σ by severity = Σ by source', () => {
    const stats = combineStats(
      window,
      [
        group('triggered', 'critical', 'api', 3),
        group('acknowledged', 'critical', 'grafana', 2, [2, 120]),
        group('resolved', 'info', 'api', 5, [1, 30], [5, 500]),
      ],
      [{ alertType: 'disk', count: 6 }],
    );
    const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
    expect(stats.total).toBe(10);
    expect(sum(stats.byStatus)).toBe(10);
    expect(sum(stats.bySeverity)).toBe(10);
    expect(stats.busiestSources.reduce((a, s) => a + s.count, 0)).toBe(10);
    expect(stats.byStatus).toEqual({ triggered: 3, acknowledged: 2, resolved: 5 });
    expect(stats.bySeverity).toEqual({ critical: 5, high: 0, warning: 0, low: 0, info: 5 });
    expect(stats.busiestSources).toEqual([
      { source: 'api', count: 8 },
      { source: 'grafana', count: 2 },
    ]);
    expect(stats.meanTimeToAcknowledge).toBe(50);
    expect(stats.meanTimeToResolve).toBe(100);
    expect(stats.topAlertTypes).toEqual([{ alertType: 'disk', count: 6 }]);
  });

  it('has zero counts and null means over nothing', () => {
    const stats = combineStats(window, [], []);
    expect(stats).toMatchObject({
      total: 0,
      meanTimeToAcknowledge: null,
      meanTimeToResolve: null,
      busiestSources: [],
      byStatus: { triggered: 0, acknowledged: 0, resolved: 0 },
    });
  });
});
