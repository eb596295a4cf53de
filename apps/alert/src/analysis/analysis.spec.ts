import { createEnvelope, RoutingKeys } from '@vigil/contracts';
import {
  analysedEntry,
  analysisViewOf,
  applySessionEvent,
  sessionEventOf,
  shortText,
  type AnalysisState,
  type SessionEnvelope,
  type SessionEvent,
  sessionIdsOf,
} from './analysis.js';

// UUIDv7 ids: S1 was opened before S2.
const S1 = '018f0000-0000-7000-8000-000000000001';
const S2 = '018f0000-0001-7000-8000-000000000001';

const started = (sessionId: string): SessionEvent => ({ kind: 'started', sessionId, agent: 'kubernetes' });
const ended = (sessionId: string, status: 'completed' | 'failed' | 'skipped' = 'completed'): SessionEvent => ({
  kind: 'ended',
  sessionId,
  agent: 'kubernetes',
  status,
  text: `${status} ${sessionId}`,
  completedAt: 1_700_000_000_000_000,
});

/** Folds events through the rules; returns the state and which of them were applied. */
function fold(events: SessionEvent[]): { state: AnalysisState | null; applied: boolean[] } {
  let state: AnalysisState | null = null;
  const applied: boolean[] = [];
  for (const event of events) {
    const decision = applySessionEvent(state, event);
    applied.push(decision.apply);
    if (decision.apply) state = decision.next;
  }
  return { state, applied };
}

describe('applySessionEvent', () => {
  it('started → in_progress without text; ended → its status, text and end', () => {
    const first = applySessionEvent(null, started(S1));
    expect(first).toEqual({
      apply: true,
      ended: false,
      next: { sessionId: S1, status: 'in_progress', agent: 'kubernetes', text: null, completedAt: null },
    });
    const end = applySessionEvent(first.apply ? first.next : null, ended(S1));
    expect(end).toEqual({
      apply: true,
      ended: true,
      next: {
        sessionId: S1,
        status: 'completed',
        agent: 'kubernetes',
        text: `completed ${S1}`,
        completedAt: 1_700_000_000_000_000,
      },
    });
  });

  it.each(['failed', 'skipped'] as const)('keeps a %s session with its reason as the text', (status) => {
    const { state } = fold([started(S1), ended(S1, status)]);
    expect(state).toMatchObject({ status, text: `${status} ${S1}` });
  });

  it('a late start does not reopen an ended session, and a second end changes nothing', () => {
    expect(fold([ended(S1), started(S1)])).toMatchObject({ applied: [true, false], state: { status: 'completed' } });
    expect(fold([started(S1), ended(S1), ended(S1, 'failed')])).toMatchObject({
      applied: [true, true, false],
      state: { status: 'completed' },
    });
    expect(fold([started(S1), started(S1)]).applied).toEqual([true, false]);
  });

  it("an older session's events never overwrite a newer one's, in any arrival order", () => {
    const events = [started(S1), ended(S1, 'failed'), started(S2), ended(S2)];
    const orders = [
      [0, 1, 2, 3],
      [2, 3, 0, 1],
      [2, 0, 3, 1],
      [3, 1, 2, 0],
      [1, 3, 0, 2],
    ];
    for (const order of orders) {
      const { state } = fold(order.map((i) => events[i]!));
      expect(state).toMatchObject({ sessionId: S2, status: 'completed', text: `completed ${S2}` });
    }
    // A newer session that has only started replaces an older ended one.
    expect(fold([started(S1), ended(S1), started(S2)]).state).toMatchObject({ sessionId: S2, status: 'in_progress' });
  });

  it('compares session ids whatever their case', () => {
    expect(fold([ended(S2), started(S1.toUpperCase())]).applied).toEqual([true, false]);
    expect(fold([ended(S2.toUpperCase()), ended(S2)]).applied).toEqual([true, false]);
  });
});

describe('sessionEventOf', () => {
  const base = { sessionId: S1, alertId: '00000000-0000-4000-8000-000000000001', alertType: 'Kube', agentType: 'k8s' };
  const tokens = { prompt: 1, completion: 2, total: 3 };
  const of = (type: string, payload: object) =>
    sessionEventOf(createEnvelope({ type, tenantId: 't', payload }) as SessionEnvelope);

  it('reads the three session events', () => {
    expect(
      of(RoutingKeys.AgentSessionStarted, {
        ...base,
        sequence: 0,
        alertData: {},
        trigger: 'alert',
        startedAt: '2026-01-01T00:00:00.000000Z',
      }),
    ).toEqual({ kind: 'started', sessionId: S1, agent: 'k8s' });
    expect(
      of(RoutingKeys.AgentSessionCompleted, {
        ...base,
        sequence: 5,
        tokens,
        finalAnalysis: 'disk full',
        forcedConclusion: false,
        completedAt: '2026-01-01T00:00:01.000002Z',
      }),
    ).toEqual({
      kind: 'ended',
      sessionId: S1,
      agent: 'k8s',
      status: 'completed',
      text: 'disk full',
      completedAt: 1_767_225_601_000_002,
    });
    expect(
      of(RoutingKeys.AgentSessionFailed, {
        ...base,
        sequence: 1,
        tokens,
        status: 'skipped',
        error: 'no LLM configured',
        completedAt: '2026-01-01T00:00:01.000000Z',
      }),
    ).toMatchObject({ kind: 'ended', status: 'skipped', text: 'no LLM configured' });
  });

  it('refuses any other event', () => {
    expect(() => of(RoutingKeys.AlertCreated, base)).toThrow('not an agent session event: alert.created');
  });
});

describe('the analysed entry and the view', () => {
  it('names the session, status and agent, with the text on one short line', () => {
    const state: AnalysisState = {
      sessionId: S1,
      status: 'completed',
      agent: 'kubernetes',
      text: `Root cause:\n\n${'x'.repeat(400)}`,
      completedAt: 1_767_225_601_000_002,
    };
    const entry = analysedEntry(state);
    expect(entry).toMatchObject({ kind: 'analysed', at: 1_767_225_601_000_002, by: null, note: null });
    expect(entry.details).toMatchObject({ sessionId: S1, status: 'completed', agent: 'kubernetes' });
    const text = entry.details['text'] as string;
    expect(Array.from(text)).toHaveLength(280);
    expect(text.startsWith('Root cause: xxx')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(analysisViewOf(state)).toEqual({
      sessionId: S1,
      status: 'completed',
      agent: 'kubernetes',
      text: state.text,
      completedAt: '2026-01-01T00:00:01.000002Z',
    });
    expect(analysisViewOf({ ...state, status: 'in_progress', text: null, completedAt: null }).completedAt).toBeNull();
  });

  it('cuts between characters, never inside a surrogate pair', () => {
    expect(shortText('😀'.repeat(5), 3)).toBe('😀😀…');
    expect(shortText('  a \n b  ', 3)).toBe('a b');
  });
});

describe('sessionIdsOf', () => {
  const older = '0192f0c1-0000-7000-8000-000000000001';
  const newer = '0192f0c1-0000-7000-8000-000000000002';
  const newest = '0192f0c2-0000-7000-8000-000000000000';
  const analysed = (sessionId: string) => ({ kind: 'analysed', details: { sessionId, status: 'completed' } });

  it('lists the latest and every ended investigation once, newest first', () => {
    expect(
      sessionIdsOf({ sessionId: newest }, [
        analysed(older),
        { kind: 'note', details: {} },
        analysed(newer),
        analysed(newest),
      ]),
    ).toEqual([newest, newer, older]);
  });

  it('is empty for an alert never investigated', () => {
    expect(sessionIdsOf(null, [{ kind: 'created', details: {} }])).toEqual([]);
  });
});
