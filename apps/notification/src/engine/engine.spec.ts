import { RoutingKeys, type AlertSnapshot } from '@vigil/contracts';
import { manualClock } from '@vigil/testing';
import { dueStep, startEscalation, stopOf, type EscalationPolicySpec } from './escalation.js';
import { alertChangeOf, DEFAULT_EVENT_KINDS } from './event-kinds.js';
import { flushGroup, joinGroup, type GroupMember, type GroupState, type GroupTiming } from './grouping.js';
import { ChannelPacer, messageFor, ROLLUP_LISTED } from './pacing.js';
import { heldUntil, instantOf, quietUntil } from './quiet-hours.js';
import { afterFailure, MAX_ATTEMPTS, retryDelayMs } from './retry.js';
import { groupKeyOf, type RouteSpec } from './routing.js';

const MIN = 60_000;

function alert(overrides: Partial<AlertSnapshot> = {}): AlertSnapshot {
  return {
    alertId: '0190a6f0-0000-7000-8000-000000000001',
    fingerprint: 'fp',
    alertType: 'KubePodCrashLooping',
    severity: 'critical',
    status: 'triggered',
    labels: { service: 'payments', env: 'prod' },
    occurrences: 1,
    silenced: false,
    startedAt: '2026-01-01T00:00:00.000000Z',
    lastSeenAt: '2026-01-01T00:00:00.000000Z',
    ...overrides,
  };
}

function route(id: string, overrides: Partial<RouteSpec> = {}): RouteSpec {
  return {
    id,
    position: 0,
    minSeverity: null,
    alertTypes: [],
    labelMatchers: [],
    eventKinds: [...DEFAULT_EVENT_KINDS],
    channelIds: [`${id}-channel`],
    continue: false,
    groupBy: [],
    groupWaitSeconds: 30,
    groupIntervalSeconds: 300,
    repeatIntervalSeconds: 14_400,
    quietHours: null,
    escalationPolicyId: null,
    fallbackEmailChannelId: null,
    ...overrides,
  };
}

describe('alert changes', () => {
  it('maps each alert.* event to the change it announces', () => {
    expect(alertChangeOf(RoutingKeys.AlertCreated, { alert: alert() })?.kind).toBe('created');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'retriggered' })?.kind).toBe(
      'retriggered',
    );
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'analysis' })?.kind).toBe('analysed');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'occurrence' })?.kind).toBe('occurrence');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'silenced' })).toBeNull();
    const ack = alertChangeOf(RoutingKeys.AlertAcknowledged, {
      alert: alert({ status: 'acknowledged' }),
      by: 'user-1',
      note: 'on it',
    });
    expect(ack).toMatchObject({ kind: 'acknowledged', by: 'user-1', note: 'on it' });
    expect(alertChangeOf(RoutingKeys.AlertResolved, { alert: alert({ status: 'resolved' }), by: 'source' })?.kind).toBe(
      'resolved',
    );
    const analysis = {
      sessionId: alert().alertId,
      status: 'completed' as const,
      agent: 'k8s',
      text: 'OOM',
      completedAt: null,
    };
    expect(alertChangeOf(RoutingKeys.AlertAnalysed, { alert: alert(), analysis })).toMatchObject({
      kind: 'analysed',
      analysis,
    });
  });

  it('never notifies a silenced alert', () => {
    expect(alertChangeOf(RoutingKeys.AlertCreated, { alert: alert({ silenced: true }) })).toBeNull();
    expect(alertChangeOf(RoutingKeys.AlertResolved, { alert: alert({ silenced: true }), by: 'source' })).toBeNull();
  });
});

describe('groups', () => {
  it('keys a group by the values of its group-by labels, whatever their order', () => {
    const r = { ...route('r'), groupBy: ['service', 'env'] };
    expect(groupKeyOf(r, { env: 'prod', service: 'api', pod: 'a' })).toBe(
      groupKeyOf(r, { service: 'api', env: 'prod' }),
    );
    expect(groupKeyOf(r, { env: 'prod', service: 'api' })).not.toBe(groupKeyOf(r, { env: 'prod', service: 'web' }));
    expect(groupKeyOf(r, { env: 'prod' })).toBe(groupKeyOf(r, { env: 'prod', service: '' }));
  });
});

describe('grouping', () => {
  const timing: GroupTiming = { groupWaitMs: 30_000, groupIntervalMs: 5 * MIN, repeatIntervalMs: 60 * MIN };
  const member = (i: number, status: GroupMember['status'] = 'triggered'): GroupMember => ({
    alertId: `a${i}`,
    status,
    severity: i % 2 ? 'warning' : 'critical',
  });

  it('turns a storm of 500 alerts into a few grouped messages', () => {
    let state: GroupState<GroupMember> | null = null;
    const sent: number[] = [];
    let now = 0;
    // 500 alerts over 10 minutes, the worker looking every second.
    for (let i = 0; i < 500; i++) {
      now = i * 1_200;
      const joined: GroupState<GroupMember> = joinGroup(state, member(i), timing, now);
      const { message, next } = flushGroup(joined, timing, now);
      if (message) sent.push(message.alerts.length);
      state = next;
    }
    for (; now <= 600_000 + 5 * MIN; now += 1_000) {
      const { message, next } = flushGroup(state!, timing, now);
      if (message) sent.push(message.alerts.length);
      state = next;
    }
    // The first message after groupWait, then one per groupInterval, each listing the whole group.
    expect(sent.length).toBe(3);
    expect(sent[0]).toBe(26);
    expect(sent.at(-1)).toBe(500);
  });

  it('waits groupWait before the first message and batches later changes every groupInterval', () => {
    let state = joinGroup(null, member(1), timing, 0);
    expect(flushGroup(state, timing, 29_999).message).toBeNull();
    state = joinGroup(state, member(2), timing, 10_000);
    let flushed = flushGroup(state, timing, 30_000);
    expect(flushed.message?.alerts.map((a) => a.alertId)).toEqual(['a2', 'a1']);
    state = flushed.next!;
    state = joinGroup(state, member(3), timing, 40_000);
    expect(state.nextAt).toBe(30_000 + 5 * MIN);
    expect(flushGroup(state, timing, 30_000 + 5 * MIN - 1).message).toBeNull();
    flushed = flushGroup(state, timing, 30_000 + 5 * MIN);
    expect(flushed.message).toEqual({ alerts: expect.any(Array), repeat: false });
    expect(flushed.message!.alerts).toHaveLength(3);
  });

  it('sends a change at once when the last message is older than groupInterval', () => {
    let state = flushGroup(joinGroup(null, member(1), timing, 0), timing, 30_000).next!;
    state = joinGroup(state, member(1, 'acknowledged'), timing, 30 * MIN);
    expect(state.nextAt).toBe(30 * MIN);
  });

  it('re-sends an unchanged open group after repeatInterval, and ends a group once all is resolved and told', () => {
    let state = flushGroup(joinGroup(null, member(1), timing, 0), timing, 30_000).next!;
    expect(state.nextAt).toBe(30_000 + 60 * MIN);
    const repeat = flushGroup(state, timing, 30_000 + 60 * MIN);
    expect(repeat.message).toEqual({ alerts: [member(1)], repeat: true });
    state = joinGroup(repeat.next!, member(1, 'resolved'), timing, 70 * MIN + 30_000);
    const last = flushGroup(state, timing, state.nextAt!);
    expect(last.message?.alerts).toEqual([member(1, 'resolved')]);
    expect(last.next).toBeNull();
  });
});

describe('quiet hours', () => {
  const nights = { timeZone: 'Europe/Berlin', start: '22:00', end: '07:00' };

  it('holds messages during the local quiet period until it ends', () => {
    // 23:30 in Berlin (winter, UTC+1) is 22:30 UTC; the period ends 07:00 Berlin = 06:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-01-14T22:30:00Z'))).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(quietUntil(nights, Date.parse('2026-01-15T05:59:59Z'))).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(quietUntil(nights, Date.parse('2026-01-15T06:00:00Z'))).toBeNull();
    expect(quietUntil(nights, Date.parse('2026-01-15T12:00:00Z'))).toBeNull();
  });

  it('keeps local hours across daylight-saving changes', () => {
    // Europe/Berlin springs forward on 29 March 2026 (02:00 → 03:00): the night's end is 07:00 CEST = 05:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-03-28T22:00:00Z'))).toBe(Date.parse('2026-03-29T05:00:00Z'));
    // … and falls back on 25 October 2026: 07:00 CET = 06:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-10-24T21:00:00Z'))).toBe(Date.parse('2026-10-25T06:00:00Z'));
    // A time inside the spring-forward gap moves forward by the gap: 02:30 is read as 03:30 CEST.
    expect(instantOf({ year: 2026, month: 3, day: 29 }, 150, 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    // New York: 8 March 2026, the night of 7→8 ends 07:00 EDT = 11:00 UTC.
    const ny = { timeZone: 'America/New_York', start: '22:00', end: '07:00' };
    expect(quietUntil(ny, Date.parse('2026-03-08T04:00:00Z'))).toBe(Date.parse('2026-03-08T11:00:00Z'));
  });

  it('starts periods only on the listed weekdays', () => {
    const weekend = { timeZone: 'UTC', start: '00:00', end: '00:00', days: ['sat' as const, 'sun' as const] };
    expect(quietUntil(weekend, Date.parse('2026-01-17T10:00:00Z'))).toBe(Date.parse('2026-01-18T00:00:00Z')); // Saturday
    expect(quietUntil(weekend, Date.parse('2026-01-19T10:00:00Z'))).toBeNull(); // Monday
  });

  it('lets the override severity and worse through', () => {
    const quiet = { ...nights, overrideSeverity: 'high' as const };
    const night = Date.parse('2026-01-14T23:00:00Z');
    expect(heldUntil(quiet, 'critical', night)).toBeNull();
    expect(heldUntil(quiet, 'high', night)).toBeNull();
    expect(heldUntil(quiet, 'warning', night)).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(heldUntil(null, 'info', night)).toBeNull();
  });
});

describe('escalation', () => {
  const policy: EscalationPolicySpec = {
    id: 'p',
    steps: [
      { waitMinutes: 5, channelIds: ['oncall'] },
      { waitMinutes: 10, channelIds: ['lead'] },
    ],
    repeat: 1,
  };

  it('runs its steps in order, repeated, while the alert stays unacknowledged', () => {
    let state = startEscalation(policy, alert(), 0)!;
    expect(state.nextAt).toBe(5 * MIN);
    expect(dueStep(policy, state, 5 * MIN - 1).step).toBeNull();
    const fired: string[] = [];
    for (let now = 0; now <= 60 * MIN; now += MIN) {
      const { step, next } = dueStep(policy, state, now);
      if (step) fired.push(`${now / MIN}m step ${step.step} round ${step.repeat}: ${step.channelIds.join()}`);
      state = next;
    }
    expect(fired).toEqual([
      '5m step 1 round 1: oncall',
      '15m step 2 round 1: lead',
      '20m step 1 round 2: oncall',
      '30m step 2 round 2: lead',
    ]);
    expect(state).toMatchObject({ nextAt: null, stopped: 'finished' });
  });

  it('only escalates critical and high alerts that nobody took', () => {
    expect(startEscalation(policy, alert({ severity: 'high' }), 0)).not.toBeNull();
    expect(startEscalation(policy, alert({ severity: 'warning' }), 0)).toBeNull();
    expect(startEscalation(policy, alert({ status: 'acknowledged' }), 0)).toBeNull();
    expect(stopOf(alert({ status: 'acknowledged' }))).toBe('acknowledged');
    expect(stopOf(alert({ status: 'resolved' }))).toBe('resolved');
    expect(stopOf(alert({ silenced: true }))).toBe('silenced');
    expect(stopOf(alert())).toBeNull();
  });

  it('keeps its schedule when a step runs late', () => {
    const state = startEscalation(policy, alert(), 0)!;
    expect(dueStep(policy, state, 6 * MIN).next.nextAt).toBe(15 * MIN);
    expect(dueStep(policy, state, 60 * MIN).next.nextAt).toBe(60 * MIN);
  });
});

describe('pacing', () => {
  it('lets one message a second through per channel and honours a requested wait', () => {
    const clock = manualClock(0);
    const pacer = new ChannelPacer(clock);
    expect(pacer.waitMs('c1')).toBe(0);
    pacer.sent('c1', 1_000);
    expect(pacer.waitMs('c1')).toBe(1_000);
    expect(pacer.waitMs('c2')).toBe(0);
    clock.advance(400);
    expect(pacer.waitMs('c1')).toBe(600);
    pacer.pause('c1', 3_000);
    expect(pacer.waitMs('c1')).toBe(3_000);
    clock.advance(3_000);
    expect(pacer.waitMs('c1')).toBe(0);
  });

  it('sends a few waiting messages one a turn and rolls a backlog up into one, never dropping any', () => {
    expect(messageFor(['a'])).toEqual({ single: 'a', later: [] });
    expect(messageFor(['a', 'b', 'c'])).toEqual({ single: 'a', later: ['b', 'c'] });
    const waiting = Array.from({ length: 45 }, (_, i) => i);
    const rollup = messageFor(waiting);
    expect(rollup).toEqual({ rollup: waiting, listed: waiting.slice(0, ROLLUP_LISTED), omitted: 45 - ROLLUP_LISTED });
  });
});

describe('retries', () => {
  it('backs off exponentially with jitter, within bounds', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(4, undefined, () => 0.5)).toBe(6_000);
    expect(retryDelayMs(30, undefined, () => 1)).toBe(600_000);
  });

  it('waits at least as long as the provider asked', () => {
    expect(retryDelayMs(1, 30_000, () => 1)).toBe(30_000);
  });

  it('stops at a permanent failure or after the last attempt', () => {
    expect(afterFailure('permanent', 1, 0)).toEqual({ retry: false });
    expect(afterFailure('transient', MAX_ATTEMPTS, 0)).toEqual({ retry: false });
    expect(afterFailure('transient', 2, 100, undefined, () => 0)).toEqual({ retry: true, nextAt: 1_100 });
  });
});
