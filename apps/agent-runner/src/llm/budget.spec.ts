import { manualClock, waitFor } from '@vigil/testing';
import { Budget } from './budget.js';

describe('Budget', () => {
  it('counts the provider-reported tokens and stops at the budget', () => {
    const clock = manualClock();
    const budget = new Budget({ maxTokens: 100, maxDurationMs: 60_000 }, clock);
    budget.record({ inputTokens: 40, outputTokens: 20, totalTokens: 60 });
    budget.record(null);
    expect(budget.tokensUsed).toBe(60);
    expect(budget.tokensLeft).toBe(40);
    expect(budget.check()).toEqual({ ok: true });
    budget.record({ inputTokens: 30, outputTokens: 10, totalTokens: 40 });
    expect(budget.check()).toEqual({ ok: false, reason: 'tokens', message: 'token budget spent: 100 of 100' });
    budget.dispose();
  });

  it('stops at the wall-clock limit', () => {
    const clock = manualClock();
    const budget = new Budget({ maxTokens: 100, maxDurationMs: 5000 }, clock);
    clock.advance(4999);
    expect(budget.check()).toEqual({ ok: true });
    expect(budget.timeLeftMs).toBe(1);
    clock.advance(1);
    expect(budget.check()).toEqual({
      ok: false,
      reason: 'time',
      message: 'wall-clock limit reached: 5000 of 5000 ms',
    });
    budget.dispose();
  });

  it('aborts its signal when the time is up', async () => {
    const budget = new Budget({ maxTokens: 100, maxDurationMs: 30 });
    expect(budget.signal.aborted).toBe(false);
    await waitFor(() => budget.signal.aborted, { what: 'the budget signal', timeoutMs: 2000 });
    expect((budget.signal.reason as Error).message).toBe('the investigation ran past 30 ms');
  });

  it('refuses limits that are not positive integers, naming them', () => {
    expect(() => new Budget({ maxTokens: 0, maxDurationMs: 1 })).toThrow(
      'budget maxTokens: must be a positive integer, got 0',
    );
    expect(() => new Budget({ maxTokens: 1, maxDurationMs: -5 })).toThrow('budget maxDurationMs:');
  });
});
