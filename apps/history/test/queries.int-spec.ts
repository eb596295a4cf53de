// The history read API through the gateway (embedded broker + SQLite, or RabbitMQ + PostgreSQL
// with row-level security): agent.* events published as the agent runner does, then every filter,
// the combinations people use (alert type + status + time range; agent type + several statuses +
// time range; active), sorts, cursor pages with their total, every bad parameter's 422, another
// tenant's session answered like a missing one, and the timeline of a session published out of order.
import { isoMicros, RoutingKeys } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  login,
  RELAXED_RATE_LIMITS,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Answer,
  type Auth,
  type TestTenant,
} from '@vigil/testing';
import { v7 as uuidv7 } from 'uuid';

interface Event {
  type: string;
  payload: Record<string, unknown>;
}
type Body = Record<string, unknown>;

const T0 = 1_796_000_000_000_000n;
const HOUR = 3_600_000_000;
const at = (offsetUs: number) => isoMicros(T0 + BigInt(offsetUs));

type End = 'completed' | 'failed' | 'skipped' | 'in_progress' | 'pending';

interface Spec {
  alertType: string;
  agentType: string;
  end: End;
  /** Start, in hours after T0. */
  hour: number;
  durationMs: number;
  analysis?: string;
  error?: string;
  alertData?: object;
}

interface Session {
  sessionId: string;
  alertId: string;
  spec: Spec;
  events: Event[];
}

/** A session as the agent runner publishes it: start, LLM, tool list, failed tool call, LLM, end. */
function session(spec: Spec): Session {
  const sessionId = uuidv7();
  const alertId = uuidv7();
  const start = spec.hour * HOUR;
  const common = { sessionId };
  const started: Event = {
    type: RoutingKeys.AgentSessionStarted,
    payload: {
      ...common,
      sequence: 0,
      alertId,
      alertType: spec.alertType,
      agentType: spec.agentType,
      alertData: spec.alertData ?? { fingerprint: `fp-${sessionId}` },
      trigger: 'alert',
      model: 'gpt-4o-mini',
      startedAt: at(start),
    },
  };
  const llm = (sequence: number, offset: number, tokens: number, model: string): Event => ({
    type: RoutingKeys.AgentLlmInteraction,
    payload: {
      ...common,
      sequence,
      interactionId: uuidv7(),
      durationMs: 100 * sequence,
      success: true,
      stepDescription: `LLM step ${sequence}`,
      timestamp: at(start + offset),
      model,
      messages: [{ role: 'user', content: 'why is the pod restarting?' }],
      response: `answer ${sequence}`,
      ...(sequence === 1 ? { toolCalls: [{ name: 'get_pods', args: { namespace: 'prod' } }] } : {}),
      tokens: { prompt: tokens, completion: tokens / 2, total: tokens * 1.5 },
    },
  });
  const steps: Event[] = [
    llm(1, 1_000, 100, 'gpt-4o-mini'),
    {
      type: RoutingKeys.AgentMcpInteraction,
      payload: {
        ...common,
        sequence: 2,
        interactionId: uuidv7(),
        durationMs: 3,
        success: true,
        stepDescription: 'List the tools of kubernetes',
        // Same instant as the LLM step before it: the timeline orders by sequence first.
        timestamp: at(start + 1_000),
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
        timestamp: at(start + 3_000),
        serverName: 'kubernetes',
        communicationType: 'tool_call',
        toolName: 'get_pods',
        arguments: { namespace: 'prod' },
      },
    },
    llm(4, 4_000, 200, 'gpt-4o'),
  ];
  const ended = {
    ...common,
    sequence: 5,
    alertId,
    alertType: spec.alertType,
    agentType: spec.agentType,
    tokens: { prompt: 300, completion: 150, total: 450 },
    completedAt: at(start + spec.durationMs * 1000),
  };
  let events: Event[];
  if (spec.end === 'pending') events = [steps[0]!];
  else if (spec.end === 'in_progress') events = [started, ...steps.slice(0, 2)];
  else if (spec.end === 'completed')
    events = [
      started,
      ...steps,
      {
        type: RoutingKeys.AgentSessionCompleted,
        payload: { ...ended, finalAnalysis: spec.analysis ?? 'Nothing found.', forcedConclusion: false },
      },
    ];
  else
    events = [
      started,
      ...steps,
      { type: RoutingKeys.AgentSessionFailed, payload: { ...ended, status: spec.end, error: spec.error ?? spec.end } },
    ];
  return { sessionId, alertId, spec, events };
}

describe(`history read API through the gateway (${TEST_MODE})`, () => {
  let h: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  let viewer: Auth;
  /** Tenant a's sessions, s[1]..s[7] as named below. */
  const s: Session[] = [];
  let foreign: Session;

  const get = <T = Body>(path: string, auth: Auth = viewer): Promise<Answer<T>> =>
    call<T>(h.url, 'GET', path, { auth });
  const ids = (answer: Answer<Body>) => (answer.body.items as Body[]).map((item) => item.sessionId);
  const list = async (query: string, auth: Auth = viewer) => {
    const answer = await get(`/api/v1/history/sessions?${query}`, auth);
    expect(answer.status).toBe(200);
    return answer;
  };

  beforeAll(async () => {
    h = await TestHarness.system({ env: { ...RELAXED_RATE_LIMITS }, config: { LOG_LEVEL: 'warn' } });
    const platform: Auth = { bearer: (await login(h.url, h.admin.email, h.admin.password)).access_token };
    a = await createTestTenant(h.url, platform, `hist-a-${Date.now().toString(36)}`, { scopes: ['alerts:read'] });
    b = await createTestTenant(h.url, platform, `hist-b-${Date.now().toString(36)}`, {
      roles: ['admin', 'viewer'],
      scopes: [],
    });
    viewer = a.users.viewer.auth;
    const specs: Spec[] = [
      {
        alertType: 'kubernetes',
        agentType: 'kubernetes',
        end: 'completed',
        hour: 0,
        durationMs: 2_500,
        analysis: 'The pod ran out of MEMORY.',
      },
      {
        alertType: 'kubernetes',
        agentType: 'kubernetes',
        end: 'failed',
        hour: 1,
        durationMs: 10_000,
        error: 'LLM timeout after 3 retries',
      },
      {
        alertType: 'HighLatency',
        agentType: 'general',
        end: 'completed',
        hour: 2,
        durationMs: 1_000,
        analysis: 'Slow queries on the orders table.',
      },
      {
        alertType: 'HighLatency',
        agentType: 'general',
        end: 'skipped',
        hour: 3,
        durationMs: 500,
        error: 'no model endpoint',
      },
      { alertType: 'kubernetes', agentType: 'kubernetes', end: 'in_progress', hour: 4, durationMs: 0 },
      { alertType: 'kubernetes', agentType: 'kubernetes', end: 'pending', hour: 4.5, durationMs: 0 },
      {
        alertType: 'DiskFull',
        agentType: 'general',
        end: 'failed',
        hour: 5,
        durationMs: 3_000,
        error: 'tool error',
        alertData: { mountpoint: '/var/lib/postgres' },
      },
    ];
    s.push(undefined as unknown as Session, ...specs.map(session));
    foreign = session({
      alertType: 'Foreign',
      agentType: 'foreign',
      end: 'completed',
      hour: 0,
      durationMs: 1_000,
      analysis: 'The pod ran out of memory.',
    });
    // Every session's events newest first: the consumer must not depend on arrival order.
    for (const one of s.slice(1))
      for (const e of [...one.events].reverse()) await h.publish(e.type, { tenantId: a.id, payload: e.payload });
    for (const e of foreign.events) await h.publish(e.type, { tenantId: b.id, payload: e.payload });
    const expected = new Map(
      s
        .slice(1)
        .map((one) => [
          one.sessionId,
          [
            one.spec.end,
            one.events.length -
              (one.spec.end === 'pending' ? 0 : 1) -
              (['completed', 'failed', 'skipped'].includes(one.spec.end) ? 1 : 0),
          ],
        ]),
    );
    await waitFor(
      async () => {
        const answer = await get('/api/v1/history/sessions?limit=200');
        if (answer.status !== 200) return false;
        const items = answer.body.items as Body[];
        return (
          items.length === expected.size &&
          items.every((item) => {
            const [status, steps] = expected.get(item.sessionId as string) ?? [];
            const counts = item.counts as { llm: number; mcp: number };
            return item.status === status && counts.llm + counts.mcp === steps;
          })
        );
      },
      { what: "tenant a's sessions stored", timeoutMs: 30_000 },
    );
    await waitFor(
      async () => (await get(`/api/v1/history/sessions/${foreign.sessionId}`, b.users.viewer.auth)).status === 200,
      {
        what: "tenant b's session stored",
        timeoutMs: 30_000,
      },
    );
  }, 120_000);

  afterAll(() => h?.close());

  it('lists every session newest first with its counts, tokens, duration, the total and the filters applied', async () => {
    const answer = await list('');
    expect(ids(answer)).toEqual([7, 5, 4, 3, 2, 1, 6].map((i) => s[i]!.sessionId));
    expect(answer.body.total).toBe(7);
    expect(answer.body.nextCursor).toBeNull();
    expect(answer.body.filters).toEqual({
      status: [],
      agentType: null,
      alertType: null,
      alertId: null,
      from: null,
      to: null,
      q: null,
      sort: 'started_at',
      order: 'desc',
    });
    const first = (answer.body.items as Body[]).find((item) => item.sessionId === s[1]!.sessionId);
    expect(first).toEqual({
      sessionId: s[1]!.sessionId,
      alertId: s[1]!.alertId,
      alertType: 'kubernetes',
      agentType: 'kubernetes',
      status: 'completed',
      trigger: 'alert',
      model: 'gpt-4o-mini',
      alertData: { fingerprint: `fp-${s[1]!.sessionId}` },
      startedAt: at(0),
      completedAt: at(2_500_000),
      durationMs: 2500,
      error: null,
      finalAnalysis: 'The pod ran out of MEMORY.',
      forcedConclusion: false,
      tokens: { prompt: 300, completion: 150, total: 450 },
      counts: { llm: 2, mcp: 2, errors: 1 },
    });
  });

  it.each([
    ['status=failed', [7, 2]],
    ['status=failed,skipped', [7, 4, 2]],
    ['status=failed&status=skipped', [7, 4, 2]],
    ['status=pending', [6]],
    ['agent_type=general', [7, 4, 3]],
    ['alert_type=kubernetes', [5, 2, 1]],
    ['alert_type=HighLatency', [4, 3]],
    [`from=${encodeURIComponent(at(1 * HOUR))}`, [7, 5, 4, 3, 2]],
    [`to=${encodeURIComponent(at(2 * HOUR))}`, [2, 1]],
    ['q=memory', [1]],
    ['q=TIMEOUT', [2]],
    ['q=var%2Flib%2Fpostgres', [7]],
    ['q=100%25', []],
    // The combinations of apps/history/README.md: alert type + statuses + time range; agent type +
    // several statuses + time range; active
    [
      `alert_type=kubernetes&status=completed,failed&from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(3 * HOUR))}`,
      [2, 1],
    ],
    [
      `agent_type=general&status=completed&status=failed&from=${encodeURIComponent(at(2 * HOUR))}&to=${encodeURIComponent(at(6 * HOUR))}`,
      [7, 3],
    ],
    ['status=pending,in_progress', [5, 6]],
  ] as const)('filters %s', async (query, expected) => {
    const answer = await list(query);
    expect(ids(answer)).toEqual(expected.map((i) => s[i]!.sessionId));
    expect(answer.body.total).toBe(expected.length);
  });

  it('filters by alert_id and echoes the filters it applied', async () => {
    const answer = await list(`alert_id=${s[3]!.alertId.toUpperCase()}&status=completed&q=slow&order=asc`);
    expect(ids(answer)).toEqual([s[3]!.sessionId]);
    expect(answer.body.filters).toEqual({
      status: ['completed'],
      agentType: null,
      alertType: null,
      alertId: s[3]!.alertId,
      from: null,
      to: null,
      q: 'slow',
      sort: 'started_at',
      order: 'asc',
    });
  });

  it.each([
    ['sort=duration&order=asc&status=completed,failed,skipped', [4, 3, 1, 7, 2]],
    ['sort=duration&status=completed,failed,skipped', [2, 7, 1, 3, 4]],
    ['sort=completed_at&order=asc&status=completed,failed,skipped', [1, 2, 3, 4, 7]],
    ['sort=alert_type&order=asc&status=completed,failed,skipped', [7, 3, 4, 1, 2]],
    ['sort=agent_type&order=desc&status=completed,failed', [2, 1, 7, 3]],
    ['sort=status&order=asc&agent_type=kubernetes', [1, 2, 5]],
    ['sort=started_at&order=asc', [6, 1, 2, 3, 4, 5, 7]],
  ] as const)('sorts %s', async (query, expected) => {
    expect(ids(await list(query))).toEqual(expected.map((i) => s[i]!.sessionId));
  });

  it.each(['', 'sort=duration&order=asc', 'sort=alert_type', 'status=completed,failed,skipped&sort=completed_at'])(
    'pages with a cursor and the same total on every page (%s)',
    async (query) => {
      const all = ids(await list(query));
      const seen: unknown[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Answer<Body> = await list(
          `${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.body.total).toBe(all.length);
        expect((page.body.items as Body[]).length).toBe(Math.min(2, all.length - seen.length));
        seen.push(...ids(page));
        cursor = page.body.nextCursor as string | null;
        pages++;
      } while (cursor);
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 2));
    },
  );

  it.each([
    ['status=done', 'status'],
    ['status=failed,Done', 'status'],
    ['from=yesterday', 'from'],
    ['to=2026-11-22', 'to'],
    ['from=2026-13-45T00:00:00Z', 'from'],
    [`from=${encodeURIComponent(at(2 * HOUR))}&to=${encodeURIComponent(at(1 * HOUR))}`, 'from'],
    ['limit=201', 'limit'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['q=ab', 'q'],
    ['sort=name', 'sort'],
    ['order=up', 'order'],
    ['alert_id=42', 'alert_id'],
    ['agent=general', 'agent'],
    ['cursor=nonsense', 'cursor'],
  ])('refuses %s with a 422 naming %s', async (query, param) => {
    const answer = await get(`/api/v1/history/sessions?${query}`);
    expect(answer.status).toBe(422);
    // The gateway's own checks list every problem in `errors`; the cursor is checked where it is read.
    const named = (Array.isArray(answer.body.errors) ? answer.body.errors : [answer.body.message]) as string[];
    expect(named.length).toBe(1);
    expect(named[0]!.startsWith(`${param}:`)).toBe(true);
  });

  it('refuses a cursor of another sort with a 422 naming cursor', async () => {
    const first = await list('limit=2');
    const answer = await get(
      `/api/v1/history/sessions?sort=duration&limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
    );
    expect(answer.status).toBe(422);
    expect(answer.body.message).toMatch(/^cursor: /);
  });

  it('lists the active sessions (pending and in progress), newest first', async () => {
    const answer = await get('/api/v1/history/active-sessions');
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual([s[5]!.sessionId, s[6]!.sessionId]);
    expect(answer.body.total).toBe(2);
    const page = await get('/api/v1/history/active-sessions?limit=1');
    expect(ids(page)).toEqual([s[5]!.sessionId]);
    const next = await get(
      `/api/v1/history/active-sessions?limit=1&cursor=${encodeURIComponent(page.body.nextCursor as string)}`,
    );
    expect(ids(next)).toEqual([s[6]!.sessionId]);
    expect(next.body.nextCursor).toBeNull();
    expect((await get('/api/v1/history/active-sessions?limit=500')).status).toBe(422);
  });

  it('gives the filter values present in the tenant, and only its own', async () => {
    const answer = await get('/api/v1/history/filter-options');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      agentTypes: ['general', 'kubernetes'],
      alertTypes: ['DiskFull', 'HighLatency', 'kubernetes'],
      statuses: ['pending', 'in_progress', 'completed', 'failed', 'skipped'],
    });
    const other = await get('/api/v1/history/filter-options', b.users.viewer.auth);
    expect(other.body).toEqual({ agentTypes: ['foreign'], alertTypes: ['Foreign'], statuses: ['completed'] });
    expect((await get('/api/v1/history/filter-options?x=1')).status).toBe(422);
  });

  it('reads one session with its timeline in sequence order, though its events arrived newest first', async () => {
    const answer = await get(`/api/v1/history/sessions/${s[2]!.sessionId}`);
    expect(answer.status).toBe(200);
    const timeline = answer.body.timeline as Body[];
    expect(timeline.map((step) => [step.kind, step.sequence])).toEqual([
      ['llm', 1],
      ['mcp', 2],
      ['mcp', 3],
      ['llm', 4],
    ]);
    const events = s[2]!.events;
    expect(timeline[0]).toEqual({
      kind: 'llm',
      sequence: 1,
      interactionId: events[1]!.payload.interactionId,
      timestamp: at(1 * HOUR + 1_000),
      durationMs: 100,
      stepDescription: 'LLM step 1',
      success: true,
      error: null,
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'why is the pod restarting?' }],
      response: 'answer 1',
      toolCalls: [{ name: 'get_pods', args: { namespace: 'prod' } }],
      tokens: { prompt: 100, completion: 50, total: 150 },
    });
    expect(timeline[2]).toEqual({
      kind: 'mcp',
      sequence: 3,
      interactionId: events[3]!.payload.interactionId,
      timestamp: at(1 * HOUR + 3_000),
      durationMs: 40,
      stepDescription: 'Call get_pods on kubernetes',
      success: false,
      error: 'connection refused',
      serverName: 'kubernetes',
      communicationType: 'tool_call',
      toolName: 'get_pods',
      arguments: { namespace: 'prod' },
      result: null,
    });
    expect(answer.body).toMatchObject({
      sessionId: s[2]!.sessionId,
      status: 'failed',
      error: 'LLM timeout after 3 retries',
    });
  });

  it('summarises a session: counts, errors, tokens by model, time in LLM calls and in tools', async () => {
    const answer = await get(`/api/v1/history/sessions/${s[2]!.sessionId}/summary`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      sessionId: s[2]!.sessionId,
      status: 'failed',
      durationMs: 10_000,
      counts: { llm: 2, mcp: 2, toolCalls: 1, toolLists: 1, errors: 1 },
      errors: [
        { kind: 'mcp', sequence: 3, stepDescription: 'Call get_pods on kubernetes', error: 'connection refused' },
        { kind: 'session', sequence: null, stepDescription: null, error: 'LLM timeout after 3 retries' },
      ],
      tokens: { prompt: 300, completion: 150, total: 450 },
      tokensByModel: [
        { model: 'gpt-4o', calls: 1, prompt: 200, completion: 100, total: 300 },
        { model: 'gpt-4o-mini', calls: 1, prompt: 100, completion: 50, total: 150 },
      ],
      timeInLlmMs: 500,
      timeInToolsMs: 43,
    });
  });

  it("answers another tenant's session exactly like a missing one (404), and never lists it", async () => {
    const missing = uuidv7();
    for (const suffix of ['', '/summary']) {
      const theirs = await get(`/api/v1/history/sessions/${foreign.sessionId}${suffix}`);
      const absent = await get(`/api/v1/history/sessions/${missing}${suffix}`);
      expect(theirs.status).toBe(404);
      expect(absent.status).toBe(404);
      const same = (body: Body, id: string) => ({
        ...body,
        message: String(body.message).replace(id, 'ID'),
        correlationId: 0,
      });
      expect(same(theirs.body, foreign.sessionId)).toEqual(same(absent.body, missing));
      expect(theirs.body.message).toBe(`session ${foreign.sessionId} not found`);
    }
    expect((await get(`/api/v1/history/sessions/${foreign.sessionId}`, b.users.viewer.auth)).status).toBe(200);
    expect(ids(await list('q=memory'))).toEqual([s[1]!.sessionId]);
    expect(ids(await list('q=memory', b.users.viewer.auth))).toEqual([foreign.sessionId]);
    expect((await get('/api/v1/history/sessions/not-a-uuid')).status).toBe(422);
  });

  it('needs a credential with alerts:read', async () => {
    expect((await call(h.url, 'GET', '/api/v1/history/sessions')).status).toBe(401);
    const key = a.keys['alerts:read']!.key;
    expect((await get('/api/v1/history/sessions?limit=1', { apiKey: key })).status).toBe(200);
  });
});
