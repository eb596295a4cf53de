// The built-in MCP server `vigil-tools` in the running system, configured the way agents.yaml ships it
// (`node dist/apps/vigil-tools/src/main.js` over stdio): the runner lists its tools, and its
// `similar_alerts` calls back into the runner (the loopback lookup, one token per investigation), which
// asks the alert service for the investigation's tenant's past alerts. A tenant's past alert reaches
// the model with its resolution note and analysis; another tenant's alert of the same type never does,
// not even while that tenant's own investigation, with its own token, is running at the same moment.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TEST_MODE,
  waitFor,
  type ChatReply,
  type FakeOpenAI,
  type RecordedChatRequest,
  type TestHarness,
  type TestTenant,
} from '@vigil/testing';
import { sessionEventsOf, startModelSystem, type Event, type ModelSystem } from './support/system.js';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The built server, as agents.yaml names it (`npm run build` / `node scripts/build.mjs` writes it). */
const VIGIL_TOOLS_ENTRY = path.join(ROOT, 'dist/apps/vigil-tools/src/main.js');

/** The alert type of every alert here, in both tenants: new in each run, so only this run's alerts match. */
const TYPE = `CheckoutLatency-${RUN}`;
/** What only tenant B's alert carries (a label, its summary, its note, its analysis). */
const B_MARK = `tenant-b-only-${RUN}`;
const SIMILAR_ALERTS = 'vigil-tools__similar_alerts';

const ANALYSIS_A1 = 'The checkout pods ran out of memory after deploy 41.';
const NOTE_A1 = 'Rolled back deploy 41; memory limit raised to 1 GiB.';
const ANALYSIS_B = `Tenant B's own cause: ${B_MARK}.`;
const NOTE_B = `Restarted by ${B_MARK}.`;
const ANSWER_A2 = 'It happened before: deploy 41 ran out of memory and was rolled back.';
const ANSWER_B_AGAIN = 'No similar past alert in this tenant.';

function promptOf(request: RecordedChatRequest): string {
  return String(request.body.messages?.find((m) => m.role === 'user')?.content ?? '');
}

/** A label of the alert a request is about, as the prompt gives it (`labels.<name>: <value>`). */
function labelOf(request: RecordedChatRequest, name: string): string | undefined {
  return new RegExp(`^labels\\.${name}: (.*)$`, 'm').exec(promptOf(request))?.[1];
}

const toolMessages = (request: RecordedChatRequest) => (request.body.messages ?? []).filter((m) => m.role === 'tool');

/**
 * The model: A's second alert (episode `second`) asks for similar alerts, then answers; while `recallB`
 * is set, B's alert waits for `open()`, then asks for similar alerts too; every other investigation
 * answers at once with the alert's analysis.
 */
class RecallModel {
  private release!: () => void;
  private readonly gate: Promise<void> = new Promise((resolve) => (this.release = resolve));
  /** Set before B's second investigation is asked for. */
  recallB = false;
  /** Requests held at the gate now. */
  waiting = 0;

  open(): void {
    this.release();
  }

  async respond(request: RecordedChatRequest): Promise<ChatReply> {
    const usage = { prompt_tokens: 100, completion_tokens: 10 };
    const results = toolMessages(request).length;
    if (labelOf(request, 'owner') === B_MARK) {
      if (!this.recallB) return { content: ANALYSIS_B, usage };
      if (results > 0) return { content: ANSWER_B_AGAIN, usage };
      this.waiting++;
      await this.gate;
      this.waiting--;
      return { toolCalls: [{ id: 'call_similar_b', name: SIMILAR_ALERTS, arguments: {} }], usage };
    }
    if (labelOf(request, 'episode') === 'second')
      return results > 0
        ? { content: ANSWER_A2, usage }
        : { toolCalls: [{ id: 'call_similar_a', name: SIMILAR_ALERTS, arguments: {} }], usage };
    return { content: ANALYSIS_A1, usage };
  }
}

/** The agents file: one agent for every alert, with the built-in server as agents.yaml ships it. */
const AGENTS = [
  'mcpServers:',
  '  vigil-tools:',
  '    transport: stdio',
  `    command: ${JSON.stringify(process.execPath)}`,
  `    args: [${JSON.stringify(VIGIL_TOOLS_ENTRY)}]`,
  'agents:',
  '  - name: general',
  '    alertTypes: []',
  '    systemPrompt: You investigate alerts; look for similar past alerts and how they were resolved.',
  '    mcpServers: [vigil-tools]',
  'defaultAgent: general',
];

describe(`vigil-tools in the running system (${TEST_MODE})`, () => {
  let setup: ModelSystem;
  let fake: FakeOpenAI;
  let model: RecallModel;
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  /** Tenant A's first alert, investigated and resolved; tenant B's alert of the same type, likewise. */
  let a1: string;
  let b1: string;

  const api: ModelSystem['api'] = (method, route, auth, body) => setup.api(method, route, auth, body);

  const postAlert = (tenant: TestTenant, labels: Record<string, string>, summary: string) =>
    setup.postAlert(tenant, {
      alert_type: TYPE,
      runbook: 'Check the checkout dashboard.',
      severity: 'critical',
      labels,
      summary,
    });

  const sessionEvents = (sessionId: string): Event[] => sessionEventsOf(system, sessionId);

  async function closedSession(alertId: string, trigger = 'alert'): Promise<Event> {
    const started = await waitFor(
      () =>
        system
          .eventsOf<Record<string, unknown>>('agent.session.started')
          .find((e) => e.payload.alertId === alertId && e.payload.trigger === trigger),
      { what: `a session (${trigger}) of alert ${alertId} started`, timeoutMs: 30_000 },
    );
    return waitFor(
      () =>
        system
          .eventsOf<Record<string, unknown>>('agent.session.completed')
          .find((e) => e.payload.sessionId === started.payload.sessionId),
      { what: `the session (${trigger}) of alert ${alertId} completed`, timeoutMs: 30_000 },
    );
  }

  /** Waits for the alert's analysis to land, then resolves it with `note` through the API. */
  async function resolveAfterAnalysis(tenant: TestTenant, alertId: string, note: string): Promise<void> {
    await waitFor(
      () =>
        system
          .eventsOf<Record<string, unknown>>('alert.analysed')
          .find(
            (e) =>
              (e.payload.alert as { alertId: string }).alertId === alertId &&
              (e.payload.analysis as { status: string }).status === 'completed',
          ),
      { what: `the analysis of ${alertId} on the alert` },
    );
    const resolved = await api('PUT', `/api/v1/alerts/${alertId}/resolve`, tenant.users.operator.auth, { note });
    expect(resolved.status).toBe(200);
  }

  beforeAll(async () => {
    if (!existsSync(VIGIL_TOOLS_ENTRY))
      throw new Error(`${VIGIL_TOOLS_ENTRY} is missing: build first (node scripts/build.mjs)`);
    model = new RecallModel();
    setup = await startModelSystem({
      respond: (request) => model.respond(request),
      agents: AGENTS,
      tenantPrefix: 'vt',
      // B's held investigation and A's run side by side.
      env: { AGENT_MAX_CONCURRENCY: '2' },
    });
    ({ system, fake, a, b } = setup);
    // The past: in each tenant an alert of the type, investigated, then resolved with a note.
    a1 = await postAlert(a, { service: 'checkout', episode: 'first' }, 'Checkout p99 latency over 2 s');
    b1 = await postAlert(b, { service: 'checkout', episode: 'first', owner: B_MARK }, `Checkout slow at ${B_MARK}`);
    await Promise.all([closedSession(a1), closedSession(b1)]);
    await Promise.all([resolveAfterAnalysis(a, a1, NOTE_A1), resolveAfterAnalysis(b, b1, NOTE_B)]);
  }, 90_000);

  afterAll(async () => {
    model?.open();
    await setup?.close();
  });

  it('lists the four built-in tools to an investigation, over stdio', async () => {
    const completed = await closedSession(a1);
    const sessionId = String(completed.payload.sessionId);
    await waitFor(() => sessionEvents(sessionId).length === 4, { what: 'four events of the session' });
    const events = sessionEvents(sessionId);
    expect(events.map((e) => [e.type, e.payload.sequence, e.tenantId])).toEqual([
      ['agent.session.started', 0, a.id],
      ['agent.mcp.interaction', 1, a.id],
      ['agent.llm.interaction', 2, a.id],
      ['agent.session.completed', 3, a.id],
    ]);
    const listing = events[1]!.payload;
    expect(listing).toMatchObject({
      serverName: 'vigil-tools',
      communicationType: 'tool_list',
      success: true,
      stepDescription: 'Listed the tools of vigil-tools (4 tools)',
    });
    expect((listing.result as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toEqual([
      'http_check',
      'dns_lookup',
      'tcp_check',
      'similar_alerts',
    ]);
    // The model was offered them under the runner's names, similar_alerts with its optional arguments only.
    const first = fake.requests.find((r) => labelOf(r, 'episode') === 'first' && labelOf(r, 'owner') === undefined)!;
    const functions = (first.body.tools as { function: { name: string; parameters: Record<string, unknown> } }[]).map(
      (tool) => tool.function,
    );
    expect(functions.map((f) => f.name)).toEqual([
      'vigil-tools__http_check',
      'vigil-tools__dns_lookup',
      'vigil-tools__tcp_check',
      SIMILAR_ALERTS,
    ]);
    const similar = functions.find((f) => f.name === SIMILAR_ALERTS)!.parameters;
    expect(Object.keys(similar.properties as object).sort()).toEqual(['alertType', 'fingerprint', 'limit']);
    expect(similar.required).toBeUndefined();
    expect(promptOf(first)).toMatch(new RegExp(`^- ${SIMILAR_ALERTS}: Past alerts of this tenant`, 'm'));
  });

  it("similar_alerts gives the model the tenant's resolved alert with its note and analysis, never another tenant's, while that tenant's own investigation runs", async () => {
    // What A's past alert looks like now: the tool must answer exactly this.
    const past = await api<{
      fingerprint: string;
      summary: string;
      startedAt: string;
      lastSeenAt: string;
      resolved: { at: string; note: string };
      analysis: { text: string };
    }>('GET', `/api/v1/alerts/${a1}`, a.users.viewer.auth);
    expect(past.status).toBe(200);
    expect(past.body).toMatchObject({
      status: 'resolved',
      resolved: { note: NOTE_A1 },
      analysis: { text: ANALYSIS_A1 },
    });

    // Tenant B investigates its alert again; that investigation (holding its own token) waits on the model.
    model.recallB = true;
    const again = await api<{ sessionId: string }>(
      'POST',
      `/api/v1/alerts/${b1}/investigations`,
      b.users.operator.auth,
    );
    expect(again.status).toBe(202);
    await waitFor(() => model.waiting === 1, { what: "B's investigation waiting on the model" });

    // A's alert of the same type fires with other labels: a new alert, investigated meanwhile.
    const a2 = await postAlert(a, { service: 'checkout', episode: 'second' }, 'Checkout p99 latency over 2 s again');
    expect(a2).not.toBe(a1);
    const completed = await closedSession(a2);
    const sessionId = String(completed.payload.sessionId);
    await waitFor(() => sessionEvents(sessionId).length === 6, { what: 'six events of the session' });
    expect(model.waiting).toBe(1);
    const events = sessionEvents(sessionId);
    expect(events.map((e) => [e.type, e.payload.sequence, e.tenantId])).toEqual([
      ['agent.session.started', 0, a.id],
      ['agent.mcp.interaction', 1, a.id],
      ['agent.llm.interaction', 2, a.id],
      ['agent.mcp.interaction', 3, a.id],
      ['agent.llm.interaction', 4, a.id],
      ['agent.session.completed', 5, a.id],
    ]);

    const expected = [
      {
        id: a1,
        fingerprint: past.body.fingerprint,
        alertType: TYPE,
        severity: 'critical',
        status: 'resolved',
        summary: 'Checkout p99 latency over 2 s',
        match: 'alert_type',
        occurrences: 1,
        startedAt: past.body.startedAt,
        lastSeenAt: past.body.lastSeenAt,
        // acknowledgedAt is null: left out.
        resolvedAt: past.body.resolved.at,
        resolutionNote: NOTE_A1,
        analysis: ANALYSIS_A1,
      },
    ];
    const lookup = events[3]!.payload;
    expect(lookup).toEqual({
      sessionId,
      sequence: 3,
      interactionId: expect.any(String),
      serverName: 'vigil-tools',
      communicationType: 'tool_call',
      toolName: 'similar_alerts',
      arguments: {},
      result: { text: JSON.stringify(expected) },
      durationMs: expect.any(Number),
      success: true,
      stepDescription: 'Called vigil-tools.similar_alerts',
      timestamp: expect.any(String),
    });
    const text = (lookup.result as { text: string }).text;
    expect(text).not.toContain(b1);
    expect(text).not.toContain(B_MARK);
    // The investigation's token travels in the call's _meta, never in what is recorded.
    expect(JSON.stringify(events.map((e) => e.payload))).not.toContain('alertsToken');

    // The model got the same text as the result of its call, and concluded from it.
    const asked = fake.requests.filter((r) => labelOf(r, 'episode') === 'second');
    expect(asked).toHaveLength(2);
    expect(toolMessages(asked[0]!)).toEqual([]);
    expect(toolMessages(asked[1]!)).toEqual([
      expect.objectContaining({ role: 'tool', tool_call_id: 'call_similar_a', content: JSON.stringify(expected) }),
    ]);
    expect(events[2]!.payload).toMatchObject({
      success: true,
      toolCalls: [expect.objectContaining({ name: SIMILAR_ALERTS, arguments: {} })],
    });
    expect(completed.payload).toMatchObject({
      finalAnalysis: ANSWER_A2,
      forcedConclusion: false,
      agentType: 'general',
    });

    // B's investigation, let go, looks too: B's only alert of the type is the one it investigates, so
    // there is nothing — A's alerts stay A's.
    model.open();
    const bDone = await closedSession(b1, 'manual');
    expect(bDone.payload.sessionId).toBe(again.body.sessionId);
    expect(bDone.tenantId).toBe(b.id);
    await waitFor(() => sessionEvents(again.body.sessionId).length === 6, { what: "six events of B's session" });
    expect(sessionEvents(again.body.sessionId)[3]!.payload).toMatchObject({
      serverName: 'vigil-tools',
      toolName: 'similar_alerts',
      success: true,
      result: { text: '[]' },
    });
    expect(bDone.payload).toMatchObject({ finalAnalysis: ANSWER_B_AGAIN });
  });
});
