import { flushGroup, joinGroup, type GroupMember, type GroupState, type GroupTiming } from './grouping.js';

const MIN = 60_000;

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
