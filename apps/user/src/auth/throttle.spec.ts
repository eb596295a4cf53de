import { recordFailure, retryAfterSeconds, type AttemptState, type ThrottlePolicy } from './throttle.js';

const policy: ThrottlePolicy = { maxFailures: 5, slowdownAfter: 3, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 };
const t0 = new Date('2026-03-01T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function fail(times: number, start: AttemptState | undefined = undefined, stepMs = 0): AttemptState {
  let state = start;
  for (let i = 0; i < times; i++) state = recordFailure(state, at(i * stepMs), policy);
  return state!;
}

describe('sign-in throttling', () => {
  it('allows the first failures without waiting', () => {
    expect(retryAfterSeconds(undefined, t0)).toBe(0);
    const state = fail(2);
    expect(state.failures).toBe(2);
    expect(retryAfterSeconds(state, t0)).toBe(0);
  });

  it('slows down from the slowdown threshold on: 1 s, then 2 s', () => {
    expect(retryAfterSeconds(fail(3), t0)).toBe(1);
    expect(retryAfterSeconds(fail(4), t0)).toBe(2);
  });

  it('locks for the lockout at the maximum, and the wait counts down', () => {
    const locked = fail(5);
    expect(retryAfterSeconds(locked, t0)).toBe(900);
    expect(retryAfterSeconds(locked, at(600_000))).toBe(300);
    expect(retryAfterSeconds(locked, at(900_000))).toBe(0);
  });

  it('forgets failures older than the window', () => {
    const old = fail(4);
    const later = recordFailure(old, at(policy.windowMs + 1), policy);
    expect(later.failures).toBe(1);
    expect(later.lockedUntil).toBeNull();
  });

  it('never waits longer than the lockout during the slowdown', () => {
    const steep: ThrottlePolicy = { ...policy, maxFailures: 40, slowdownAfter: 1, lockoutMs: 10_000 };
    let state: AttemptState | undefined;
    for (let i = 0; i < 20; i++) state = recordFailure(state, t0, steep);
    expect(retryAfterSeconds(state, t0)).toBe(10);
  });
});
