// A session exported through the gateway (Markdown report and JSON) and the tenant's history stats,
// in both modes: agent.* events published as the agent runner does, then the exact report of a known
// session, untrusted text that cannot break the report's structure, the JSON export equal to the
// detail route, stats numbers over a known data set and its window, 404s and 422s naming the parameter,
// and another tenant's sessions neither exported nor counted.
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

const HOUR = 3_600_000_000;
const DAY = 24 * HOUR;
/** Now, in microseconds: the stats window ends at the moment it is asked. */
const NOW = BigInt(Date.now()) * 1000n;
const at = (offsetUs: number) => isoMicros(NOW + BigInt(offsetUs));

type Step =
  | {
      kind: 'llm';
      model: string;
      tokens: [number, number, number];
      messages?: unknown[];
      response?: string;
      toolCalls?: unknown[];
      success?: boolean;
    }
  | {
      kind: 'mcp';
      server: string;
      tool?: string;
      args?: unknown;
      result?: unknown;
      error?: string;
    };

interface Spec {
  alertType: string;
  end: 'completed' | 'failed' | 'skipped' | 'in_progress';
  /** Start, in µs relative to now (negative). */
  start: number;
  durationMs: number;
  steps: Step[];
  analysis?: string;
  error?: string;
}

interface Session {
  sessionId: string;
  alertId: string;
  events: Event[];
}

function session(spec: Spec): Session {
  const sessionId = uuidv7();
  const alertId = uuidv7();
  const events: Event[] = [
    {
      type: RoutingKeys.AgentSessionStarted,
      payload: {
        sessionId,
        sequence: 0,
        alertId,
        alertType: spec.alertType,
        agentType: 'kubernetes',
        alertData: { pod: 'api-7d9f', namespace: 'prod' },
        trigger: 'alert',
        model: 'gpt-4o',
        startedAt: at(spec.start),
      },
    },
  ];
  spec.steps.forEach((step, i) => {
    const common = {
      sessionId,
      sequence: i + 1,
      interactionId: uuidv7(),
      timestamp: at(spec.start + (i + 1) * 1_000),
      durationMs: 10 * (i + 1),
    };
    if (step.kind === 'llm')
      events.push({
        type: RoutingKeys.AgentLlmInteraction,
        payload: {
          ...common,
          success: step.success ?? true,
          stepDescription: `Ask ${step.model}`,
          model: step.model,
          messages: step.messages ?? [{ role: 'user', content: 'why?' }],
          response: step.response ?? 'look at the pods',
          ...(step.toolCalls ? { toolCalls: step.toolCalls } : {}),
          tokens: { prompt: step.tokens[0], completion: step.tokens[1], total: step.tokens[2] },
        },
      });
    else
      events.push({
        type: RoutingKeys.AgentMcpInteraction,
        payload: {
          ...common,
          success: step.error === undefined,
          ...(step.error !== undefined ? { error: step.error } : {}),
          stepDescription: step.tool ? `Call ${step.tool} on ${step.server}` : `List the tools of ${step.server}`,
          serverName: step.server,
          communicationType: step.tool ? 'tool_call' : 'tool_list',
          ...(step.tool ? { toolName: step.tool, arguments: step.args ?? {} } : {}),
          ...(step.result !== undefined ? { result: step.result } : {}),
        },
      });
  });
  const ended = {
    sessionId,
    sequence: spec.steps.length + 1,
    alertId,
    alertType: spec.alertType,
    agentType: 'kubernetes',
    tokens: { prompt: 0, completion: 0, total: 0 },
    completedAt: at(spec.start + spec.durationMs * 1000),
  };
  if (spec.end === 'completed')
    events.push({
      type: RoutingKeys.AgentSessionCompleted,
      payload: { ...ended, finalAnalysis: spec.analysis ?? 'Nothing found.', forcedConclusion: false },
    });
  else if (spec.end !== 'in_progress')
    events.push({
      type: RoutingKeys.AgentSessionFailed,
      payload: { ...ended, status: spec.end, error: spec.error ?? spec.end },
    });
  return { sessionId, alertId, events };
}

/** A tool result longer than a report shows. */
const BIG = { logs: 'x'.repeat(3000) };

const SPECS: Spec[] = [
  // 1: untrusted text with fences, headings and pipes; a long tool result; several messages
  {
    alertType: 'PodCrash | `loop`',
    end: 'completed',
    start: -2 * HOUR,
    durationMs: 2_000,
    analysis: 'Root cause:\n```bash\nkubectl get pods\n```\n# not a heading\n````\nstill inside',
    steps: [
      {
        kind: 'llm',
        model: 'gpt-4o',
        tokens: [100, 50, 150],
        messages: [
          { role: 'system', content: 'You are an SRE.' },
          { role: 'user', content: 'first question' },
          { role: 'assistant', content: 'thinking' },
          { role: 'user', content: 'last question' },
        ],
        response: 'Run:\n```\nkubectl logs\n```',
        toolCalls: [{ name: 'get_pods', args: { namespace: 'prod' } }],
      },
      { kind: 'mcp', server: 'kubernetes' },
      { kind: 'mcp', server: 'kubernetes', tool: 'get_pods', args: { namespace: 'prod' }, result: BIG },
      { kind: 'llm', model: 'gpt-4o-mini', tokens: [10, 5, 15] },
    ],
  },
  // 2: failed, with a failed tool call
  {
    alertType: 'HighLatency',
    end: 'failed',
    start: -3 * HOUR,
    durationMs: 4_000,
    error: 'LLM timeout',
    steps: [
      { kind: 'mcp', server: 'kubernetes', tool: 'get_pods', error: 'connection refused' },
      { kind: 'mcp', server: 'prometheus', tool: 'query', args: { q: 'up' }, result: { value: 1 } },
      { kind: 'llm', model: 'gpt-4o', tokens: [200, 100, 300] },
    ],
  },
  // 3: one tool call: the report checked to the character
  {
    alertType: 'DiskFull',
    end: 'completed',
    start: -4 * HOUR,
    durationMs: 1_000,
    analysis: 'The disk is full.',
    steps: [{ kind: 'mcp', server: 'kubernetes', tool: 'get_pods', args: { namespace: 'prod' }, result: { pods: 2 } }],
  },
  // 4: skipped, no steps
  { alertType: 'DiskFull', end: 'skipped', start: -5 * HOUR, durationMs: 500, error: 'no model endpoint', steps: [] },
  // 5: still running
  {
    alertType: 'HighLatency',
    end: 'in_progress',
    start: -1 * HOUR,
    durationMs: 0,
    steps: [{ kind: 'llm', model: 'gpt-4o', tokens: [1, 1, 2] }],
  },
  // 6: older than a week
  {
    alertType: 'Old',
    end: 'completed',
    start: -10 * DAY,
    durationMs: 100_000,
    steps: [
      { kind: 'mcp', server: 'old', tool: 'tool', result: {} },
      { kind: 'llm', model: 'gpt-old', tokens: [7, 7, 14] },
    ],
  },
];

describe(`history export and stats through the gateway (${TEST_MODE})`, () => {
  let h: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  let viewer: Auth;
  const s: Session[] = [];
  let foreign: Session;

  const get = <T = Body>(path: string, auth: Auth = viewer): Promise<Answer<T>> =>
    call<T>(h.url, 'GET', path, { auth });
  const named = (answer: Answer<Body>) =>
    (Array.isArray(answer.body.errors) ? answer.body.errors : [answer.body.message]) as string[];

  beforeAll(async () => {
    h = await TestHarness.system({ env: { ...RELAXED_RATE_LIMITS }, config: { LOG_LEVEL: 'warn' } });
    const platform: Auth = { bearer: (await login(h.url, h.admin.email, h.admin.password)).access_token };
    a = await createTestTenant(h.url, platform, `hexp-a-${Date.now().toString(36)}`, { scopes: ['alerts:read'] });
    b = await createTestTenant(h.url, platform, `hexp-b-${Date.now().toString(36)}`, {
      roles: ['admin', 'viewer'],
      scopes: [],
    });
    viewer = a.users.viewer.auth;
    s.push(undefined as unknown as Session, ...SPECS.map(session));
    foreign = session({
      alertType: 'Foreign',
      end: 'failed',
      start: -1 * HOUR,
      durationMs: 9_000,
      steps: [{ kind: 'mcp', server: 'foreign', tool: 'secret', result: {} }],
    });
    for (const one of s.slice(1))
      for (const e of one.events) await h.publish(e.type, { tenantId: a.id, payload: e.payload });
    for (const e of foreign.events) await h.publish(e.type, { tenantId: b.id, payload: e.payload });
    const expected = new Map(
      s.slice(1).map((one, i) => [one.sessionId, [SPECS[i]!.end, SPECS[i]!.steps.length]] as const),
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
      async () => {
        const answer = await get(`/api/v1/history/sessions/${foreign.sessionId}`, b.users.viewer.auth);
        return answer.status === 200 && answer.body.status === 'failed';
      },
      { what: "tenant b's session stored", timeoutMs: 30_000 },
    );
  }, 120_000);

  afterAll(() => h?.close());

  it('exports a session as a Markdown report, exactly, as a .md attachment (markdown is the default)', async () => {
    const one = s[3]!;
    const answer = await get<string>(`/api/v1/history/sessions/${one.sessionId}/export`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(`attachment; filename="investigation-${one.sessionId}.md"`);
    const start = -4 * HOUR;
    expect(answer.body).toBe(
      [
        `# Investigation: DiskFull (${one.sessionId})`,
        '',
        '| Field | Value |',
        '| --- | --- |',
        `| Session | ${one.sessionId} |`,
        `| Alert | ${one.alertId} |`,
        '| Alert type | DiskFull |',
        '| Agent | kubernetes |',
        '| Model | gpt-4o |',
        '| Status | completed |',
        `| Started (UTC) | ${at(start)} |`,
        `| Completed (UTC) | ${at(start + 1_000_000)} |`,
        '| Duration | 1 s |',
        '| Tokens | 0 (prompt 0, completion 0) |',
        '| Steps | 1 (0 LLM, 1 MCP) |',
        '| Errors | 0 |',
        '',
        '## Alert data',
        '',
        '```json',
        '{',
        '  "pod": "api-7d9f",',
        '  "namespace": "prod"',
        '}',
        '```',
        '',
        '## Final analysis',
        '',
        '```markdown',
        'The disk is full.',
        '```',
        '',
        '## Timeline',
        '',
        '### 1. Call get\\_pods on kubernetes',
        '',
        `- MCP tool call get\\_pods on kubernetes · sequence 1 · ${at(start + 1_000)}`,
        '- Duration: 10 ms · succeeded',
        '',
        '**Arguments**',
        '',
        '```json',
        '{',
        '  "namespace": "prod"',
        '}',
        '```',
        '',
        '**Result**',
        '',
        '```json',
        '{',
        '  "pods": 2',
        '}',
        '```',
        '',
      ].join('\n'),
    );
    expect((await get<string>(`/api/v1/history/sessions/${one.sessionId}/export?format=markdown`)).body).toBe(
      answer.body,
    );
  });

  it('fences untrusted text with a longer fence, escapes it in headings and tables, and cuts long tool results', async () => {
    const answer = await get<string>(`/api/v1/history/sessions/${s[1]!.sessionId}/export`);
    expect(answer.status).toBe(200);
    const report = answer.body;
    expect(report.startsWith(`# Investigation: PodCrash \\| \\\`loop\\\` (${s[1]!.sessionId})\n`)).toBe(true);
    expect(report).toContain('| Alert type | PodCrash \\| \\`loop\\` |');
    // The analysis holds a run of four backticks: five fence it.
    expect(report).toContain(
      '## Final analysis\n\n`````markdown\nRoot cause:\n```bash\nkubectl get pods\n```\n# not a heading\n````\nstill inside\n`````\n',
    );
    // Only the last user message, the tool calls requested, the response fenced longer than its own fence.
    expect(report).toContain('**Last user message**\n\n```text\nlast question\n```\n');
    expect(report).not.toContain('first question');
    expect(report).not.toContain('You are an SRE.');
    expect(report).toContain(
      '**Tool calls requested**\n\n```json\n[\n  {\n    "name": "get_pods",\n    "args": {\n      "namespace": "prod"\n    }\n  }\n]\n```\n',
    );
    expect(report).toContain('**Response**\n\n````text\nRun:\n```\nkubectl logs\n```\n````\n');
    const full = JSON.stringify(BIG, null, 2);
    expect(report).toContain(`**Result**\n\n\`\`\`json\n${full.slice(0, 2000)}\n\`\`\`\n\n`);
    expect(report).toContain(`_Result cut at 2000 of ${full.length} characters._`);
    expect(report).not.toContain(full.slice(0, 2001));
    // Four steps in sequence order, headings outside every fence.
    expect([...report.matchAll(/^### (\d+)\. (.*)$/gm)].map((m) => [m[1], m[2]])).toEqual([
      ['1', 'Ask gpt-4o'],
      ['2', 'List the tools of kubernetes'],
      ['3', 'Call get\\_pods on kubernetes'],
      ['4', 'Ask gpt-4o-mini'],
    ]);
    expect(report.match(/^## /gm)).toHaveLength(3);
  });

  it("reports a failed session's error and its failed step", async () => {
    const report = (await get<string>(`/api/v1/history/sessions/${s[2]!.sessionId}/export`)).body;
    expect(report).toContain('| Status | failed |');
    expect(report).toContain('| Duration | 4 s |');
    expect(report).toContain('## Error\n\n```text\nLLM timeout\n```\n');
    expect(report).not.toContain('## Final analysis');
    expect(report).toContain('- Duration: 10 ms · failed: connection refused\n');
  });

  it('exports JSON equal to the detail route, as a .json attachment', async () => {
    const one = s[1]!;
    const answer = await get(`/api/v1/history/sessions/${one.sessionId}/export?format=json`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(answer.headers.get('content-disposition')).toBe(
      `attachment; filename="investigation-${one.sessionId}.json"`,
    );
    const detail = await get(`/api/v1/history/sessions/${one.sessionId}`);
    expect(detail.status).toBe(200);
    expect(answer.body).toEqual(detail.body);
    expect((answer.body.timeline as Body[]).length).toBe(4);
  });

  it.each([
    ['format=pdf', 'format'],
    ['format=', 'format'],
    ['format=json&format=markdown', 'format'],
    ['style=plain', 'style'],
  ])('refuses an export with %s: 422 naming %s', async (query, param) => {
    const answer = await get(`/api/v1/history/sessions/${s[1]!.sessionId}/export?${query}`);
    expect(answer.status).toBe(422);
    expect(named(answer).length).toBe(1);
    expect(named(answer)[0]!.startsWith(`${param}:`)).toBe(true);
  });

  it("answers the export of another tenant's session exactly like a missing one (404)", async () => {
    const missing = uuidv7();
    for (const format of ['markdown', 'json']) {
      const theirs = await get(`/api/v1/history/sessions/${foreign.sessionId}/export?format=${format}`);
      const absent = await get(`/api/v1/history/sessions/${missing}/export?format=${format}`);
      expect(theirs.status).toBe(404);
      expect(absent.status).toBe(404);
      const same = (body: Body, id: string) => ({
        ...body,
        message: String(body.message).replace(id, 'ID'),
        correlationId: 0,
      });
      expect(same(theirs.body, foreign.sessionId)).toEqual(same(absent.body, missing));
    }
    const own = await get<string>(`/api/v1/history/sessions/${foreign.sessionId}/export`, b.users.viewer.auth);
    expect(own.status).toBe(200);
    expect(own.body).toContain('# Investigation: Foreign');
    expect((await get('/api/v1/history/sessions/not-a-uuid/export')).status).toBe(422);
  });

  it('gives the stats of the last 7 days by default: by status, durations, tokens by model, top tools, failure rate', async () => {
    const answer = await get('/api/v1/history/stats');
    expect(answer.status).toBe(200);
    const { from, to, ...rest } = answer.body;
    expect(rest).toEqual({
      window: '7d',
      sessions: { total: 5, byStatus: { pending: 0, in_progress: 1, completed: 2, failed: 1, skipped: 1 } },
      // 500, 1000, 2000, 4000 ms
      durationMs: { mean: 1875, p95: 4000 },
      tokensByModel: [
        { model: 'gpt-4o', calls: 3, prompt: 301, completion: 151, total: 452 },
        { model: 'gpt-4o-mini', calls: 1, prompt: 10, completion: 5, total: 15 },
      ],
      topTools: [
        { serverName: 'kubernetes', toolName: 'get_pods', calls: 3, failures: 1 },
        { serverName: 'prometheus', toolName: 'query', calls: 1, failures: 0 },
      ],
      failureRate: 0.25,
    });
    const span = Date.parse(to as string) - Date.parse(from as string);
    expect(span).toBe(7 * 86_400_000);
    expect((await get('/api/v1/history/stats?window=7d')).body).toMatchObject(rest);
  });

  it('bounds the stats by the window', async () => {
    const month = await get('/api/v1/history/stats?window=30d');
    expect(month.status).toBe(200);
    expect(month.body).toMatchObject({
      window: '30d',
      sessions: { total: 6, byStatus: { pending: 0, in_progress: 1, completed: 3, failed: 1, skipped: 1 } },
      // 500, 1000, 2000, 4000, 100000 ms: mean 21500, nearest-rank p95 the 5th
      durationMs: { mean: 21500, p95: 100_000 },
      failureRate: 0.2,
    });
    expect(month.body.topTools).toEqual([
      { serverName: 'kubernetes', toolName: 'get_pods', calls: 3, failures: 1 },
      { serverName: 'old', toolName: 'tool', calls: 1, failures: 0 },
      { serverName: 'prometheus', toolName: 'query', calls: 1, failures: 0 },
    ]);
    expect((month.body.tokensByModel as Body[]).map((m) => m.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-old']);
    const hour = await get('/api/v1/history/stats?window=90m');
    expect(hour.body).toMatchObject({
      sessions: { total: 1, byStatus: { pending: 0, in_progress: 1, completed: 0, failed: 0, skipped: 0 } },
      durationMs: { mean: null, p95: null },
      tokensByModel: [{ model: 'gpt-4o', calls: 1, prompt: 1, completion: 1, total: 2 }],
      topTools: [],
      failureRate: null,
    });
  });

  it("counts only the caller's tenant", async () => {
    const theirs = await get('/api/v1/history/stats', b.users.viewer.auth);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({
      sessions: { total: 1, byStatus: { pending: 0, in_progress: 0, completed: 0, failed: 1, skipped: 0 } },
      durationMs: { mean: 9000, p95: 9000 },
      tokensByModel: [],
      topTools: [{ serverName: 'foreign', toolName: 'secret', calls: 1, failures: 0 }],
      failureRate: 1,
    });
  });

  it.each([
    ['window=7x', 'window'],
    ['window=', 'window'],
    ['window=12345d', 'window'],
    ['window=1d&window=2d', 'window'],
    ['since=1d', 'since'],
  ])('refuses stats with %s: 422 naming %s', async (query, param) => {
    const answer = await get(`/api/v1/history/stats?${query}`);
    expect(answer.status).toBe(422);
    expect(named(answer).length).toBe(1);
    expect(named(answer)[0]!.startsWith(`${param}:`)).toBe(true);
  });

  it('needs a credential with alerts:read', async () => {
    expect((await call(h.url, 'GET', '/api/v1/history/stats')).status).toBe(401);
    expect((await call(h.url, 'GET', `/api/v1/history/sessions/${s[1]!.sessionId}/export`)).status).toBe(401);
    const key = a.keys['alerts:read']!.key;
    expect((await get('/api/v1/history/stats', { apiKey: key })).status).toBe(200);
  });
});
