import type { ReceivedAlert } from '@vigil/contracts';
import { compileMatchers } from '../silences/matchers.js';
import type { AlertState } from '../lifecycle/lifecycle.js';
import { foldArrivals, type Arrival } from './fold.js';

const T = 't1';
const rules = { occurrenceLogIntervalUs: 60_000_000 };
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function arrival(alertId: string, at: number, cause: string, overrides: Partial<ReceivedAlert> = {}): Arrival<string> {
  return {
    alert: {
      alertId,
      alertType: 'disk',
      runbook: 'rb',
      severity: 'high',
      timestamp: '1700000000000000',
      environment: 'production',
      fingerprint: alertId,
      status: 'firing',
      labels: { host: 'a' },
      summary: 'disk full',
      data: {},
      ...overrides,
    },
    source: 'alertmanager',
    seenAt: at,
    cause,
  };
}

const none = new Map<string, AlertState>();

describe('foldArrivals', () => {
  it('folds every arrival of an alert into one state, in arrival order, and keeps each event with its cause', () => {
    const folded = foldArrivals(T, none, [arrival(A, 1, 'm1'), arrival(B, 2, 'm1'), arrival(A, 3, 'm2')], [], {
      occurrenceLogIntervalUs: 0,
    });
    expect(folded.states.map((s) => [s.id, s.occurrences])).toEqual([
      [A, 2],
      [B, 1],
    ]);
    expect(folded.timeline.map((t) => [t.alertId, t.draft.kind])).toEqual([
      [A, 'created'],
      [A, 'occurrence'],
      [B, 'created'],
    ]);
    expect(folded.events.map((e) => [e.event.type, e.cause])).toEqual([
      ['alert.created', 'm1'],
      ['alert.updated', 'm2'],
      ['alert.created', 'm1'],
    ]);
  });

  it('writes a search row for a new alert and for changed text, not for a plain repeat', () => {
    const first = foldArrivals(T, none, [arrival(A, 1, 'm1')], [], rules);
    expect(first.searches).toEqual([{ alertId: A, labels: '{"host":"a"}', search: 'disk full\n\nhost=a' }]);
    const stored = new Map([[A, first.states[0]!]]);
    expect(foldArrivals(T, stored, [arrival(A, 2, 'm2')], [], rules).searches).toEqual([]);
    const relabelled = foldArrivals(T, stored, [arrival(A, 3, 'm3', { labels: { host: 'b' } })], [], rules);
    expect(relabelled.searches).toEqual([{ alertId: A, labels: '{"host":"b"}', search: 'disk full\n\nhost=b' }]);
  });

  it('writes nothing for an alert the batch leaves as it was (a repeated resolve)', () => {
    const resolved = foldArrivals(T, none, [arrival(A, 1, 'm1', { status: 'resolved' })], [], rules).states[0]!;
    const folded = foldArrivals(T, new Map([[A, resolved]]), [arrival(A, 2, 'm2', { status: 'resolved' })], [], rules);
    expect(folded).toEqual({ states: [], timeline: [], searches: [], events: [] });
  });

  it('flags an alert whose labels an active silence matches', () => {
    const silences = [compileMatchers([{ name: 'host', op: '=', value: 'a' }])];
    const folded = foldArrivals(
      T,
      none,
      [arrival(A, 1, 'm1'), arrival(B, 1, 'm1', { labels: { host: 'z' } })],
      silences,
      rules,
    );
    expect(folded.states.map((s) => [s.id, s.silenced])).toEqual([
      [A, true],
      [B, false],
    ]);
  });
});
