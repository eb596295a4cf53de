// The history service's consumption of the agent runner's agent.* events over the real bus
// (embedded broker + SQLite, or RabbitMQ + PostgreSQL with row-level security): a session stored
// in order, the same session from shuffled events, every envelope delivered twice, two tenants kept
// apart, skipped and failed sessions, an invalid event dead-lettered.
import { randomBytes } from 'node:crypto';
import { createEnvelope, isoMicros, RoutingKeys } from '@vigil/contracts';
import { Headers } from '@vigil/messaging';
import { dialectOf, runInTenant, sqlOf, type Row } from '@vigil/persistence';
import { METRICS_REGISTRY } from '@vigil/runtime';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import type { Registry } from '@vigil/observability';
import { v7 as uuidv7 } from 'uuid';
import { historyApp } from '../src/history.app.js';

interface Event {
  type: string;
  payload: Record<string, unknown>;
}

const T0 = 1_796_000_000_000_000n;
const at = (offsetUs: number) => isoMicros(T0 + BigInt(offsetUs));
const tenant = () => `t-${randomBytes(6).toString('hex')}`;

/** A whole session as the agent runner publishes it: start, LLM, tool list, failed tool call, LLM, end. */
function sessionEvents(sessionId: string, alertId: string, end: 'completed' | 'failed' | 'skipped'): Event[] {
  const common = { sessionId };
  const started: Event = {
    type: RoutingKeys.AgentSessionStarted,
    payload: {
      ...common,
      sequence: 0,
      alertId,
      alertType: 'kubernetes',
      agentType: 'kubernetes',
      alertData: { fingerprint: 'pod-oom', labels: { namespace: 'prod' } },
      trigger: 'alert',
      model: 'gpt-4o-mini',
      startedAt: at(0),
    },
  };
  const llm = (sequence: number, offset: number, tokens: number, toolCalls?: object[]): Event => ({
    type: RoutingKeys.AgentLlmInteraction,
    payload: {
      ...common,
      sequence,
      interactionId: uuidv7(),
      durationMs: 120.5,
      success: true,
      stepDescription: `LLM step ${sequence}`,
      timestamp: at(offset),
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'why is the pod restarting?' }],
      response: `answer ${sequence}`,
      ...(toolCalls ? { toolCalls } : {}),
      tokens: { prompt: tokens, completion: tokens / 2, total: tokens * 1.5 },
    },
  });
  const steps: Event[] = [
    llm(1, 1_000, 100, [{ name: 'get_pods', args: { namespace: 'prod' } }]),
    {
      type: RoutingKeys.AgentMcpInteraction,
      payload: {
        ...common,
        sequence: 2,
        interactionId: uuidv7(),
        durationMs: 3,
        success: true,
        stepDescription: 'List the tools of kubernetes',
        timestamp: at(2_000),
        serverName: 'kubernetes',
        communicationType: 'tool_list',
        result: { tools: ['get_pods'] },
      },
    },
    {
      type: RoutingKeys.AgentMcpInteraction,
      payload: {
        ...common,
        sequence: 3,
        interactionId: uuidv7(),
        durationMs: 40,
        success: false,
        error: 'connection refused',
        stepDescription: 'Call get_pods on kubernetes',
        timestamp: at(3_000),
        serverName: 'kubernetes',
        communicationType: 'tool_call',
        toolName: 'get_pods',
        arguments: { namespace: 'prod' },
      },
    },
    llm(4, 4_000, 200),
  ];
  const ended = {
    ...common,
    sequence: 5,
    alertId,
    alertType: 'kubernetes',
    agentType: 'kubernetes',
    // The provider's totals, unlike the sum of the steps (300, 150, 450): the end's figures stand.
    tokens: { prompt: 310, completion: 160, total: 470 },
    completedAt: at(2_500_000),
  };
  const last: Event =
    end === 'completed'
      ? {
          type: RoutingKeys.AgentSessionCompleted,
          payload: { ...ended, finalAnalysis: 'The pod ran out of memory.', forcedConclusion: false },
        }
      : { type: RoutingKeys.AgentSessionFailed, payload: { ...ended, status: end, error: `${end}: no agent` } };
  return [started, ...steps, last];
}

describe(`history consumption of agent.* events (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await TestHarness.service(historyApp, { config: { LOG_LEVEL: 'warn', BUS_PREFETCH: '200' } });
  }, 60_000);
  afterAll(() => h?.close());

  const send = (t: string, e: Event) => h.publish(e.type, { tenantId: t, payload: e.payload });
  const sendAll = async (t: string, events: Event[]) => {
    for (const e of events) await send(t, e);
  };

  /** Reads in the tenant's scope (PostgreSQL: row-level security applies). */
  const query = (t: string, text: string, params: unknown[] = []) =>
    runInTenant(h.dataSource(), t, (manager) => sqlOf(manager, dialectOf(h.dataSource())).query(text, params));

  /** Exact values whatever the dialect: bigints as numbers, booleans as booleans, JSON text parsed. */
  const BOOLEAN = new Set(['success', 'forced_conclusion']);
  const JSON_TEXT = new Set(['alert_data', 'messages', 'tool_calls', 'arguments', 'result']);
  const normal = (row: Row): Row =>
    Object.fromEntries(
      Object.entries(row).map(([key, value]) => {
        if (value === null) return [key, null];
        if (BOOLEAN.has(key)) return [key, Boolean(value)];
        if (JSON_TEXT.has(key)) return [key, JSON.parse(value as string)];
        if (typeof value === 'string' && /_us$/.test(key)) return [key, Number(value)];
        if (/_(count|tokens)$|^(sequence|last_sequence)$/.test(key)) return [key, Number(value)];
        return [key, value];
      }),
    );

  /** The session's row (not its updated_at_us) and its steps in sequence order, without the ids that differ. */
  async function stored(t: string, sessionId: string) {
    const [session] = await query(t, 'SELECT * FROM history_sessions WHERE tenant_id = ? AND session_id = ?', [
      t,
      sessionId,
    ]);
    const steps = async (table: string) =>
      (
        await query(t, `SELECT * FROM ${table} WHERE tenant_id = ? AND session_id = ? ORDER BY sequence`, [
          t,
          sessionId,
        ])
      ).map((r) => {
        const { interaction_id: _id, session_id: _s, tenant_id: _t, ...rest } = normal(r);
        return rest;
      });
    if (!session) return undefined;
    const { updated_at_us: _u, session_id: _s, alert_id: _a, tenant_id: _t, ...fields } = normal(session);
    return {
      session: fields,
      llm: await steps('history_llm_interactions'),
      mcp: await steps('history_mcp_interactions'),
    };
  }

  /** The stored session once it has ended with all of its steps and its start. */
  const settled = (t: string, sessionId: string, steps = 4) =>
    waitFor(
      async () => {
        const s = await stored(t, sessionId);
        const done =
          s &&
          ['completed', 'failed', 'skipped'].includes(s.session['status'] as string) &&
          s.session['started_at_us'] !== null &&
          s.llm.length + s.mcp.length === steps;
        return done ? s : undefined;
      },
      { what: `session ${sessionId} stored` },
    );

  it('stores a session published in order: its row with counts, tokens and duration, its steps by sequence', async () => {
    const t = tenant();
    const sessionId = uuidv7();
    await sendAll(t, sessionEvents(sessionId, uuidv7(), 'completed'));
    const s = await settled(t, sessionId);
    expect(s.session).toEqual({
      alert_type: 'kubernetes',
      agent_type: 'kubernetes',
      status: 'completed',
      trigger_type: 'alert',
      model: 'gpt-4o-mini',
      alert_data: { fingerprint: 'pod-oom', labels: { namespace: 'prod' } },
      started_at_us: Number(T0),
      completed_at_us: Number(T0) + 2_500_000,
      duration_ms: 2500,
      error: null,
      final_analysis: 'The pod ran out of memory.',
      forced_conclusion: false,
      prompt_tokens: 310,
      completion_tokens: 160,
      total_tokens: 470,
      llm_count: 2,
      mcp_count: 2,
      error_count: 1,
      last_sequence: 5,
    });
    expect(s.llm.map((r) => [r['sequence'], r['response'], r['total_tokens'], r['success']])).toEqual([
      [1, 'answer 1', 150, true],
      [4, 'answer 4', 300, true],
    ]);
    expect(s.llm[0]).toMatchObject({
      timestamp_us: Number(T0) + 1_000,
      duration_ms: 120.5,
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'why is the pod restarting?' }],
      tool_calls: [{ name: 'get_pods', args: { namespace: 'prod' } }],
      prompt_tokens: 100,
      completion_tokens: 50,
      error: null,
      step_description: 'LLM step 1',
    });
    expect(s.mcp).toEqual([
      {
        sequence: 2,
        timestamp_us: Number(T0) + 2_000,
        duration_ms: 3,
        server_name: 'kubernetes',
        communication_type: 'tool_list',
        tool_name: null,
        arguments: null,
        result: { tools: ['get_pods'] },
        success: true,
        error: null,
        step_description: 'List the tools of kubernetes',
      },
      {
        sequence: 3,
        timestamp_us: Number(T0) + 3_000,
        duration_ms: 40,
        server_name: 'kubernetes',
        communication_type: 'tool_call',
        tool_name: 'get_pods',
        arguments: { namespace: 'prod' },
        result: null,
        success: false,
        error: 'connection refused',
        step_description: 'Call get_pods on kubernetes',
      },
    ]);
  });

  it('stores the same result when the steps come before the start and the end before the start', async () => {
    const t = tenant();
    const inOrder = uuidv7();
    const shuffled = uuidv7();
    const alertId = uuidv7();
    await sendAll(t, sessionEvents(inOrder, alertId, 'completed'));
    const expected = await settled(t, inOrder);

    const [started, s1, s2, s3, s4, completed] = sessionEvents(shuffled, alertId, 'completed');
    // Two steps first: a placeholder row, pending, its start's fields unknown, counts and tokens from the steps.
    await sendAll(t, [s4!, s2!]);
    const early = await waitFor(
      async () => {
        const s = await stored(t, shuffled);
        return s && s.llm.length + s.mcp.length === 2 ? s : undefined;
      },
      { what: 'the first two steps' },
    );
    expect(early.session).toMatchObject({
      status: 'pending',
      alert_type: null,
      agent_type: null,
      started_at_us: null,
      alert_data: null,
      llm_count: 1,
      mcp_count: 1,
      error_count: 0,
      prompt_tokens: 200,
      total_tokens: 300,
      last_sequence: 4,
    });
    // Then the end, then the rest of the steps, and the start last: it fills in, and does not reopen.
    await send(t, completed!);
    await waitFor(async () => (await stored(t, shuffled))?.session['status'] === 'completed', { what: 'the end' });
    await sendAll(t, [s3!, s1!]);
    await waitFor(async () => (await stored(t, shuffled))?.session['llm_count'] === 2, { what: 'the other steps' });
    await send(t, started!);
    const result = await settled(t, shuffled);
    expect(result).toEqual(expected);
  });

  it('keeps the first end: a later end of the session, in another envelope, changes nothing', async () => {
    const t = tenant();
    const sessionId = uuidv7();
    await sendAll(t, sessionEvents(sessionId, uuidv7(), 'completed'));
    const first = await settled(t, sessionId);
    expect(first.session).toMatchObject({ status: 'completed', final_analysis: 'The pod ran out of memory.' });
    // A second runner closing the same session as failed (a new envelope, so not a duplicate), with
    // other figures and types: none of them may land.
    const failed = sessionEvents(sessionId, uuidv7(), 'failed').at(-1)!;
    await send(t, {
      ...failed,
      payload: {
        ...failed.payload,
        completedAt: at(9_000_000),
        alertType: 'database',
        agentType: 'database',
        tokens: { prompt: 1, completion: 2, total: 3 },
      },
    });
    // Then a marker in the same tenant (one lane, in order): once it is stored, so is the second end.
    const marker = uuidv7();
    await sendAll(t, sessionEvents(marker, uuidv7(), 'completed'));
    await settled(t, marker);
    expect(await stored(t, sessionId)).toEqual(first);
  });

  it('stores every envelope once when each is delivered twice', async () => {
    const t = tenant();
    const sessionId = uuidv7();
    for (const e of sessionEvents(sessionId, uuidv7(), 'completed')) {
      const envelope = createEnvelope({ tenantId: t, type: e.type, payload: e.payload });
      await h.publishRaw(envelope);
      await h.publishRaw(envelope); // a redelivery: the same envelope
    }
    // A later session of the same tenant: once it is stored, the copies before it were handled.
    const later = uuidv7();
    await sendAll(t, sessionEvents(later, uuidv7(), 'completed'));
    await settled(t, later);
    const s = await settled(t, sessionId);
    expect(s.session).toMatchObject({
      status: 'completed',
      llm_count: 2,
      mcp_count: 2,
      error_count: 1,
      total_tokens: 470,
    });
    expect(s.llm.map((r) => r['sequence'])).toEqual([1, 4]);
    expect(s.mcp.map((r) => r['sequence'])).toEqual([2, 3]);
    const [llmSteps] = await query(t, 'SELECT COUNT(*) AS n FROM history_llm_interactions WHERE tenant_id = ?', [t]);
    expect(Number(llmSteps!['n'])).toBe(4); // two per session
  });

  it('keeps two tenants apart, even with the same session id', async () => {
    const a = tenant();
    const b = tenant();
    const sessionId = uuidv7();
    await sendAll(a, sessionEvents(sessionId, uuidv7(), 'completed'));
    const [startB, llmB, , , , skippedB] = sessionEvents(sessionId, uuidv7(), 'skipped');
    await sendAll(b, [startB!, llmB!, skippedB!]);
    const sa = await settled(a, sessionId);
    const sb = await settled(b, sessionId, 1);
    expect(sa.session).toMatchObject({ status: 'completed', llm_count: 2, mcp_count: 2 });
    expect(sb.session).toMatchObject({ status: 'skipped', llm_count: 1, mcp_count: 0 });
    if (TEST_MODE !== 'embedded') {
      // Row-level security: without a tenant filter, each tenant's scope holds its own rows only.
      for (const [t, sessions, steps] of [
        [a, 1, 2],
        [b, 1, 1],
      ] as const) {
        const [s] = await query(t, 'SELECT COUNT(*) AS n FROM history_sessions');
        const [l] = await query(t, 'SELECT COUNT(*) AS n FROM history_llm_interactions');
        expect([Number(s!['n']), Number(l!['n'])]).toEqual([sessions, steps]);
      }
    }
  });

  it('stores skipped and failed sessions with their error, tokens and duration', async () => {
    const t = tenant();
    const skipped = uuidv7();
    const failed = uuidv7();
    const [start, , , , , skip] = sessionEvents(skipped, uuidv7(), 'skipped');
    await sendAll(t, [start!, skip!]);
    await sendAll(t, sessionEvents(failed, uuidv7(), 'failed'));
    const s = await settled(t, skipped, 0);
    expect(s.session).toMatchObject({
      status: 'skipped',
      error: 'skipped: no agent',
      final_analysis: null,
      forced_conclusion: null,
      duration_ms: 2500,
      llm_count: 0,
      mcp_count: 0,
      error_count: 0,
      total_tokens: 470,
      last_sequence: 5,
    });
    const f = await settled(t, failed);
    expect(f.session).toMatchObject({
      status: 'failed',
      error: 'failed: no agent',
      final_analysis: null,
      llm_count: 2,
      mcp_count: 2,
      error_count: 1,
      prompt_tokens: 310,
    });
  });

  it('counts every step when two replicas write the steps of the same sessions at the same time', async () => {
    const second = await h.start();
    try {
      const t = tenant();
      const sessions = Array.from({ length: 5 }, () => uuidv7());
      // Steps only: no later start or end recounts them, so each session's counts are those of its last writes.
      const steps = sessions.flatMap((sessionId) => {
        const [, llm] = sessionEvents(sessionId, uuidv7(), 'completed');
        return Array.from({ length: 100 }, (_, i) => ({
          type: llm!.type,
          payload: { ...llm!.payload, sequence: i + 1, interactionId: uuidv7(), success: i % 10 !== 0 },
        }));
      });
      await Promise.all(steps.map((e) => send(t, e)));
      await waitFor(
        async () => {
          const [row] = await query(t, 'SELECT COUNT(*) AS n FROM history_llm_interactions WHERE tenant_id = ?', [t]);
          return Number(row!['n']) === 500;
        },
        { what: 'every step stored' },
      );
      const rows = await query(
        t,
        'SELECT status, llm_count, error_count, prompt_tokens, last_sequence FROM history_sessions WHERE tenant_id = ?',
        [t],
      );
      expect(rows.map(normal)).toEqual(
        sessions.map(() => ({
          status: 'pending',
          llm_count: 100,
          error_count: 10,
          prompt_tokens: 10_000,
          last_sequence: 100,
        })),
      );
    } finally {
      await h.stop(second);
    }
  });

  it('stores a step whose text holds NUL: exact in the JSON, replaced in the plain text', async () => {
    const t = tenant();
    const sessionId = uuidv7();
    const [, llm] = sessionEvents(sessionId, uuidv7(), 'completed');
    const messages = [{ role: 'tool', content: 'binary\u0000output' }];
    await send(t, {
      type: llm!.type,
      payload: { ...llm!.payload, messages, response: 'a\u0000b', success: false, error: 'e\u0000' },
    });
    const s = await waitFor(async () => (await stored(t, sessionId))?.llm[0], { what: 'the step' });
    expect(s).toMatchObject({ messages, response: 'a\uFFFDb', error: 'e\uFFFD', success: false });
  });

  it('dead-letters an event that fails validation, and goes on', async () => {
    const t = tenant();
    const [, llm] = sessionEvents(uuidv7(), uuidv7(), 'completed');
    const bad = await h.publish(RoutingKeys.AgentLlmInteraction, {
      tenantId: t,
      payload: { ...llm!.payload, sequence: -1 },
    });
    const dead = await waitFor(() => h.queues.take(h.broker.names.deadLetterQueue('history')), {
      what: 'the dead letter',
    });
    expect(JSON.parse(dead.body.toString())).toMatchObject({ id: bad.id });
    expect(dead.headers[Headers.ReasonKind]).toBe('invalid_payload');
    const sessionId = uuidv7();
    await sendAll(t, sessionEvents(sessionId, uuidv7(), 'completed'));
    expect((await settled(t, sessionId)).session['status']).toBe('completed');
  });

  // Last: it restarts the service. A queue that filled while the service was down is delivered the
  // moment its consumer starts; a message taken before the service's batcher exists fails and is
  // retried. So none may be taken before the service is initialised.
  it('stores a backlog that waited for the service, without retrying any of it', async () => {
    const t = tenant();
    const sessions = Array.from({ length: 20 }, () => uuidv7());
    await h.stop(h.service);
    for (const sessionId of sessions) await sendAll(t, sessionEvents(sessionId, uuidv7(), 'completed'));
    const restarted = await h.start();
    for (const sessionId of sessions) await settled(t, sessionId);
    const registry = restarted.app.get<Registry>(METRICS_REGISTRY);
    const retried = (await registry.getSingleMetric('vigil_messages_retried_total')!.get()).values;
    expect(retried.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  });
});
