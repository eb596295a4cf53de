import type { NotificationEventKind } from '@vigil/contracts';
import { atLeast, compileRouteMatchers, matchRoutes, type MatchableRoute } from './match.js';

const alert = (
  over: Partial<{
    alertType: string;
    severity: 'critical' | 'high' | 'warning' | 'low' | 'info';
    labels: Record<string, string>;
  }> = {},
) => ({
  alertType: 'KubePodCrashLooping',
  severity: 'high' as const,
  labels: { service: 'payments', namespace: 'prod' },
  ...over,
});

function route(name: string, over: Partial<MatchableRoute> = {}): MatchableRoute & { name: string } {
  return {
    name,
    position: 0,
    continue: false,
    eventKinds: ['created', 'retriggered', 'acknowledged', 'resolved', 'analysed'] as NotificationEventKind[],
    minSeverity: null,
    alertTypes: [],
    labelMatchers: [],
    ...over,
  };
}

describe('route matching', () => {
  it('orders severities critical > high > warning > low > info', () => {
    expect([
      atLeast('critical', 'high'),
      atLeast('high', 'high'),
      atLeast('warning', 'high'),
      atLeast('info', 'low'),
    ]).toEqual([true, true, false, false]);
  });

  it('matches minimum severity, alert-type globs and every label matcher', () => {
    const matches = compileRouteMatchers({
      minSeverity: 'high',
      alertTypes: ['Kube*', 'NodeDown'],
      labelMatchers: [
        { name: 'service', op: '=~', value: 'pay.*' },
        { name: 'namespace', op: '!=', value: 'staging' },
        { name: 'team', op: '!~', value: 'db|storage' },
      ],
    });
    expect(matches(alert())).toBe(true);
    expect(matches(alert({ severity: 'warning' }))).toBe(false);
    expect(matches(alert({ alertType: 'DiskFull' }))).toBe(false);
    expect(matches(alert({ alertType: 'NodeDown' }))).toBe(true);
    // RE2 over the whole value: "pay.*" does not match "api-payments".
    expect(matches(alert({ labels: { service: 'api-payments', namespace: 'prod' } }))).toBe(false);
    expect(matches(alert({ labels: { service: 'payments', namespace: 'staging' } }))).toBe(false);
    expect(matches(alert({ labels: { service: 'payments', namespace: 'prod', team: 'db' } }))).toBe(false);
    // A missing label reads as "": `!=` holds, `=` of a value does not.
    expect(
      compileRouteMatchers({
        minSeverity: null,
        alertTypes: [],
        labelMatchers: [{ name: 'team', op: '=', value: '' }],
      })(alert()),
    ).toBe(true);
  });

  it('stops at the first match unless it says continue, and says which routes send the event kind', () => {
    const routes = [
      route('payments', {
        position: 1,
        labelMatchers: [{ name: 'service', op: '=', value: 'payments' }],
        continue: true,
      }),
      route('everything', { position: 2 }),
      route('never reached', { position: 3 }),
      route('critical only', { position: 0, minSeverity: 'critical' }),
      route('resolved only', { position: 4, eventKinds: ['resolved'] }),
    ];
    const names = (kind: NotificationEventKind, a = alert()) =>
      matchRoutes(routes, a, kind).map(({ route, notified }) => `${route.name}:${notified}`);
    expect(names('created')).toEqual(['payments:true', 'everything:true']);
    expect(names('created', alert({ severity: 'critical' }))).toEqual(['critical only:true']);
    expect(names('created', alert({ labels: {} }))).toEqual(['everything:true']);
    expect(names('note')).toEqual(['payments:false', 'everything:false']);
  });
});
