import type { ReceivedAlert } from '@vigil/contracts';
import { addNote, applyReceived, SOURCE_ACTOR, transition, type AlertState, type Received } from './lifecycle.js';

const T = 't1';
const ID = '00000000-0000-4000-8000-000000000001';
const rules = { occurrenceLogIntervalUs: 60_000_000 };

function received(at: number, overrides: Partial<ReceivedAlert> = {}, silenced = false): Received {
  return {
    alert: {
      alertId: ID,
      alertType: 'disk',
      runbook: 'rb',
      severity: 'high',
      timestamp: '1700000000000000',
      environment: 'production',
      fingerprint: 'fp',
      status: 'firing',
      labels: { host: 'a' },
      data: { x: 1 },
      ...overrides,
    },
    source: 'alertmanager',
    seenAt: at,
    silenced,
  };
}

function fold(items: Received[], start?: AlertState) {
  let state = start;
  const kinds: string[] = [];
  const events: string[] = [];
  for (const item of items) {
    const outcome = applyReceived(state, item, rules, T, ID);
    state = outcome.state;
    kinds.push(...outcome.timeline.map((t) => t.kind));
    events.push(...outcome.events.map((e) => ('change' in e.payload ? `${e.type}:${e.payload.change}` : e.type)));
  }
  return { state: state!, kinds, events };
}

describe('applyReceived (dedup and lifecycle)', () => {
  it('creates a triggered alert from a firing one', () => {
    const { state, kinds, events } = fold([received(1_000, { startsAt: '900' })]);
    expect(state).toMatchObject({
      status: 'triggered',
      occurrences: 1,
      startedAt: 900,
      lastSeenAt: 1_000,
      triggeredAt: 1_000,
      resolved: null,
    });
    expect(kinds).toEqual(['created']);
    expect(events).toEqual(['alert.created']);
  });

  it('counts a repeat, keeps the first start, moves last-seen and takes the latest content', () => {
    const { state } = fold([
      received(1_000, { startsAt: '900' }),
      received(2_000, { startsAt: '1900', summary: 'newer' }),
    ]);
    expect(state).toMatchObject({ status: 'triggered', occurrences: 2, startedAt: 900, lastSeenAt: 2_000 });
    expect(state.content.summary).toBe('newer');
  });

  it('coalesces repeats: a timeline entry and alert.updated at most once per interval', () => {
    const within = fold([received(0), received(10_000_000), received(59_000_000)]);
    expect(within.kinds).toEqual(['created']);
    expect(within.events).toEqual(['alert.created']);
    expect(within.state.occurrences).toBe(3);
    const after = fold([received(61_000_000), received(62_000_000), received(122_000_000)], within.state);
    expect(after.kinds).toEqual(['occurrence', 'occurrence']);
    expect(after.events).toEqual(['alert.updated:occurrence', 'alert.updated:occurrence']);
    expect(after.state.occurrences).toBe(6);
  });

  it('logs every repeat when the interval is 0', () => {
    let state: AlertState | undefined;
    const kinds: string[] = [];
    for (const at of [1, 2, 3]) {
      const outcome = applyReceived(state, received(at), { occurrenceLogIntervalUs: 0 }, T, ID);
      state = outcome.state;
      kinds.push(...outcome.timeline.map((t) => t.kind));
    }
    expect(kinds).toEqual(['created', 'occurrence', 'occurrence']);
  });

  it("auto-resolves on the source's resolve, by `source`, without counting an occurrence", () => {
    const { state, kinds, events } = fold([received(1_000), received(2_000, { status: 'resolved' })]);
    expect(state).toMatchObject({
      status: 'resolved',
      occurrences: 1,
      resolved: { at: 2_000, by: SOURCE_ACTOR, note: null },
    });
    expect(kinds).toEqual(['created', 'resolved']);
    expect(events).toEqual(['alert.created', 'alert.resolved']);
  });

  it('stores a resolved alert for an unknown fingerprint as resolved, and ignores a repeated resolve', () => {
    const first = fold([received(1_000, { status: 'resolved' })]);
    expect(first.state).toMatchObject({ status: 'resolved', occurrences: 1, resolved: { by: SOURCE_ACTOR } });
    expect(first.kinds).toEqual(['created', 'resolved']);
    const again = applyReceived(first.state, received(2_000, { status: 'resolved' }), rules, T, ID);
    expect(again.state).toBe(first.state);
    expect(again.timeline).toEqual([]);
    expect(again.events).toEqual([]);
  });

  it('re-triggers a resolved alert on a new occurrence: a new episode', () => {
    const { state, kinds, events } = fold([
      received(1_000),
      received(2_000, { status: 'resolved' }),
      received(3_000, { startsAt: '2900' }),
    ]);
    expect(state).toMatchObject({
      status: 'triggered',
      occurrences: 2,
      triggeredAt: 3_000,
      startedAt: 2_900,
      acknowledged: null,
      resolved: null,
    });
    expect(kinds).toEqual(['created', 'resolved', 'retriggered']);
    expect(events).toEqual(['alert.created', 'alert.resolved', 'alert.updated:retriggered']);
  });

  it('records a change of the silenced flag and carries it in the snapshots', () => {
    const { state, kinds, events } = fold([received(1_000), received(2_000, {}, true)]);
    expect(state.silenced).toBe(true);
    expect(kinds).toEqual(['created', 'silenced']);
    expect(events).toEqual(['alert.created', 'alert.updated:silenced']);
    const created = applyReceived(undefined, received(1_000, {}, true), rules, T, ID);
    expect(created.events[0]!.payload.alert.silenced).toBe(true);
  });

  it('carries the runbook and the generator URL as links in the snapshot when they are http(s) links', () => {
    const linked = applyReceived(
      undefined,
      received(1_000, { runbook: 'https://wiki.example.com/disk', generatorUrl: 'http://prom:9090/graph?g0.expr=up' }),
      rules,
      T,
      ID,
    );
    expect(linked.events[0]!.payload.alert).toMatchObject({
      runbookUrl: 'https://wiki.example.com/disk',
      sourceUrl: 'http://prom:9090/graph?g0.expr=up',
    });
    const plain = applyReceived(undefined, received(1_000, { runbook: 'restart the disk daemon' }), rules, T, ID);
    expect(plain.events[0]!.payload.alert).not.toHaveProperty('runbookUrl');
    expect(plain.events[0]!.payload.alert).not.toHaveProperty('sourceUrl');
  });
});

describe('transition (triggered → acknowledged → resolved)', () => {
  const open = fold([received(1_000_000)]).state;

  it('acknowledges, then resolves, with who, when and the note', () => {
    const ack = transition(open, 'acknowledge', 'u1', 'looking', 5_000_000);
    if (!ack.ok) throw new Error(ack.conflict);
    expect(ack.outcome.state).toMatchObject({
      status: 'acknowledged',
      acknowledged: { at: 5_000_000, by: 'u1', note: 'looking' },
    });
    expect(ack.outcome.events[0]).toMatchObject({
      type: 'alert.acknowledged',
      payload: { by: 'u1', note: 'looking' },
    });
    const resolved = transition(ack.outcome.state, 'resolve', 'u2', null, 9_000_000);
    if (!resolved.ok) throw new Error(resolved.conflict);
    expect(resolved.outcome.state).toMatchObject({ status: 'resolved', resolved: { by: 'u2', note: null } });
    expect(resolved.outcome.timeline.map((t) => t.kind)).toEqual(['resolved']);
    expect(resolved.outcome.events[0]!.payload).not.toHaveProperty('note');
  });

  it('resolves straight from triggered', () => {
    expect(transition(open, 'resolve', 'u1', null, 2).ok).toBe(true);
  });

  it.each([
    ['acknowledge', 'acknowledged'],
    ['acknowledge', 'resolved'],
    ['resolve', 'resolved'],
  ] as const)('refuses to %s an alert that is %s, naming its status', (action, status) => {
    const result = transition({ ...open, status }, action, 'u1', null, 2);
    expect(result).toEqual({ ok: false, conflict: `cannot ${action} alert ${ID}: its status is ${status}` });
  });
});

describe('addNote', () => {
  const open = fold([received(1_000_000)]).state;

  it('adds a note entry by its author and an alert.updated, and leaves the status alone', () => {
    const { state, timeline, events } = addNote(open, 'looking into it', 'u1', 7_000_000);
    expect(state).toMatchObject({ status: 'triggered', updatedAt: 7_000_000, occurrences: 1 });
    expect(timeline).toEqual([{ kind: 'note', at: 7_000_000, by: 'u1', note: 'looking into it', details: {} }]);
    expect(events.map((e) => [e.type, 'change' in e.payload ? e.payload.change : undefined])).toEqual([
      ['alert.updated', 'note'],
    ]);
  });

  it('never moves updatedAt back', () => {
    expect(addNote(open, 'late clock', 'u1', 5).state.updatedAt).toBe(open.updatedAt);
  });
});
