import type { AlertSnapshot } from '@vigil/contracts';
import { dueStep, startEscalation, stopOf, type EscalationPolicySpec } from './escalation.js';

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
