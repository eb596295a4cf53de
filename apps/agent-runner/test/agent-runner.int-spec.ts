// The agent runner in the running system, as users meet it: an alert posted to the gateway is
// investigated by the configured agent with a real MCP server (the standard server-everything from npm
// over stdio) and a protocol-level OpenAI server; every step is an agent.* event in order; the
// analysis lands on the alert; silenced alerts are left alone; investigations asked for through the
// API are queued, one per alert at a time; AGENT_MAX_CONCURRENCY holds the rest in the queue.
import {
  TEST_MODE,
  waitFor,
  type ChatReply,
  type FakeOpenAI,
  type RecordedChatRequest,
  type TestHarness,
  type TestTenant,
} from '@vigil/testing';
import { EVERYTHING_SERVER } from './support/everything.js';
import { sessionEventsOf, startModelSystem, type Event, type ModelSystem } from './support/system.js';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

/** The alert type the user message of a request names (`alertType: X`). */
function alertTypeOf(request: RecordedChatRequest): string {
  const user = request.body.messages?.find((m) => m.role === 'user');
  return /^alertType: (.*)$/m.exec(String(user?.content ?? ''))?.[1] ?? '?';
}

/** A model that asks for one echo, then concludes; alert types starting with `gate-` wait for `open()`. */
class ScriptedModel {
  private release!: () => void;
  private gate: Promise<void> = new Promise((resolve) => (this.release = resolve));
  /** Requests for gated alert types that are waiting now. */
  waiting = 0;

  open(): void {
    this.release();
  }

  close(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  async respond(request: RecordedChatRequest): Promise<ChatReply> {
    const type = alertTypeOf(request);
    if (type.startsWith('gate-')) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
    const results = (request.body.messages ?? []).filter((m) => m.role === 'tool').length;
    if (results === 0 && request.body.tools?.length)
      return {
        toolCalls: [{ name: 'everything__echo', arguments: { message: `checking ${type}` } }],
        usage: { prompt_tokens: 100, completion_tokens: 10 },
      };
    return { content: `Analysis of ${type}: the echo answered.`, usage: { prompt_tokens: 150, completion_tokens: 30 } };
  }
}

/** The agents file: Kubernetes alerts to `kubernetes`, the rest to `general`, both with server-everything. */
const AGENTS = [
  ...EVERYTHING_SERVER,
  'agents:',
  '  - name: kubernetes',
  "    alertTypes: ['Kube*']",
  '    systemPrompt: You investigate Kubernetes alerts.',
  '    mcpServers: [everything]',
  '    maxIterations: 4',
  '  - name: general',
  '    alertTypes: []',
  '    systemPrompt: You investigate alerts.',
  '    mcpServers: [everything]',
  'defaultAgent: general',
];

describe(`agent runner in the system (${TEST_MODE})`, () => {
  let setup: ModelSystem;
  let fake: FakeOpenAI;
  let model: ScriptedModel;
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;

  const api: ModelSystem['api'] = (method, route, auth, body) => setup.api(method, route, auth, body);

  const postAlert = (tenant: TestTenant, alertType: string, labels: Record<string, string> = {}) =>
    setup.postAlert(tenant, {
      alert_type: alertType,
      runbook: `Check the ${alertType} dashboard first.`,
      severity: 'critical',
      labels,
      summary: `${alertType} fired`,
    });

  const sessionEvents = (sessionId: string): Event[] => sessionEventsOf(system, sessionId);

  const startedFor = (alertId: string): Event[] =>
    system.eventsOf<Record<string, unknown>>('agent.session.started').filter((e) => e.payload.alertId === alertId);

  async function closedSession(alertId: string, type = 'agent.session.completed'): Promise<Event> {
    return waitFor(() => system.eventsOf<Record<string, unknown>>(type).find((e) => e.payload.alertId === alertId), {
      what: `${type} for alert ${alertId}`,
      timeoutMs: 30_000,
    });
  }

  beforeAll(async () => {
    model = new ScriptedModel();
    setup = await startModelSystem({
      respond: (request) => model.respond(request),
      agents: AGENTS,
      tenantPrefix: 'agents',
      env: {
        AGENT_MAX_CONCURRENCY: '2',
        // Every repeat occurrence is an alert.updated (not one a minute), so repeats reach the runner.
        ALERT_OCCURRENCE_LOG_INTERVAL_MS: '0',
      },
    });
    ({ system, fake, a, b } = setup);
  }, 60_000);

  afterAll(async () => {
    model?.open();
    await setup?.close();
  });

  it('investigates a new alert with its agent and emits every step, in order, in the tenant', async () => {
    const alertId = await postAlert(a, 'KubePodCrashLooping', { namespace: 'payments', pod: 'api-7' });
    const completed = await closedSession(alertId);
    const sessionId = String(completed.payload.sessionId);
    // The closing event is written after the others: once it is seen, wait for the rest to arrive.
    await waitFor(() => sessionEvents(sessionId).length === 6, { what: 'six events of the session' });
    const events = sessionEvents(sessionId);
    expect(events.map((e) => [e.type, e.payload.sequence, e.tenantId])).toEqual([
      ['agent.session.started', 0, a.id],
      ['agent.mcp.interaction', 1, a.id],
      ['agent.llm.interaction', 2, a.id],
      ['agent.mcp.interaction', 3, a.id],
      ['agent.llm.interaction', 4, a.id],
      ['agent.session.completed', 5, a.id],
    ]);
    const [started, listing, ask, echo, answer] = events.map((e) => e.payload);
    expect(started).toMatchObject({
      stepDescription: 'Started the investigation with agent kubernetes',
      alertId,
      alertType: 'KubePodCrashLooping',
      agentType: 'kubernetes',
      trigger: 'alert',
      model: 'gpt-test',
      alertData: expect.objectContaining({ id: alertId, labels: expect.objectContaining({ pod: 'api-7' }) }),
    });
    expect(listing).toMatchObject({ serverName: 'everything', communicationType: 'tool_list', success: true });
    expect(ask).toMatchObject({
      model: 'gpt-test',
      success: true,
      stepDescription: 'Asked the model which tools to use',
      tokens: { prompt: 100, completion: 10, total: 110 },
      toolCalls: [
        expect.objectContaining({ name: 'everything__echo', arguments: { message: 'checking KubePodCrashLooping' } }),
      ],
    });
    expect(echo).toMatchObject({
      serverName: 'everything',
      communicationType: 'tool_call',
      toolName: 'echo',
      arguments: { message: 'checking KubePodCrashLooping' },
      success: true,
      stepDescription: 'Called everything.echo',
      result: { text: expect.stringContaining('checking KubePodCrashLooping') },
    });
    expect(answer).toMatchObject({ success: true, response: 'Analysis of KubePodCrashLooping: the echo answered.' });
    expect(completed.payload).toMatchObject({
      stepDescription: 'Concluded with an analysis',
      finalAnalysis: 'Analysis of KubePodCrashLooping: the echo answered.',
      forcedConclusion: false,
      agentType: 'kubernetes',
      tokens: { prompt: 250, completion: 40, total: 290 },
    });
    // The model was given every field of the alert, its runbook and the tool list.
    const first = fake.requests.find((r) => alertTypeOf(r) === 'KubePodCrashLooping')!;
    const prompt = String(first.body.messages!.find((m) => m.role === 'user')!.content);
    expect(prompt).toMatch(/^labels\.pod: api-7$/m);
    expect(prompt).toContain('Check the KubePodCrashLooping dashboard first.');
    expect(prompt).toMatch(/- everything__echo: /);
    expect(first.body.stream).toBeFalsy();
  });

  it('puts the analysis on the alert and publishes alert.analysed', async () => {
    const alertId = await postAlert(a, 'disk-full');
    const completed = await closedSession(alertId);
    const analysed = await waitFor(
      () =>
        system
          .eventsOf<Record<string, unknown>>('alert.analysed')
          .find((e) => (e.payload.alert as { alertId: string }).alertId === alertId),
      { what: 'alert.analysed' },
    );
    expect(analysed.payload.analysis).toMatchObject({
      sessionId: completed.payload.sessionId,
      status: 'completed',
      agent: 'general',
    });
    const view = await api<Record<string, unknown>>('GET', `/api/v1/alerts/${alertId}`, a.users.viewer.auth);
    expect(view.status).toBe(200);
    expect(view.body.analysis).toEqual({
      sessionId: completed.payload.sessionId,
      status: 'completed',
      agent: 'general',
      text: 'Analysis of disk-full: the echo answered.',
      completedAt: expect.any(String),
    });
    expect(view.body.timeline).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'analysed' })]));
    // The alert links its investigations in the history.
    expect(view.body.sessionIds).toEqual([completed.payload.sessionId]);
  });

  it('leaves silenced alerts alone', async () => {
    const silence = await api('POST', '/api/v1/silences', a.users.operator.auth, {
      matchers: [{ name: 'quiet', op: '=', value: RUN }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'maintenance',
    });
    expect(silence.status).toBe(201);
    const alertId = await postAlert(a, 'silenced-check', { quiet: RUN });
    await waitFor(() => system.logs.some((line) => line.alertId === alertId && /silenced/.test(String(line.msg))), {
      what: 'the silenced alert passed over',
    });
    expect(startedFor(alertId)).toEqual([]);
  });

  it('runs at most AGENT_MAX_CONCURRENCY investigations, queues the rest, and starts no second one of an alert, asked for or repeated', async () => {
    model.close();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await postAlert(a, `gate-${i}`));
    await waitFor(() => model.waiting === 2, { what: 'two investigations waiting on the model' });
    // The other two wait in the queue, not in this replica.
    const queue = system.broker.names.serviceQueue('agent-runner');
    await waitFor(async () => (await system.queues.depth(queue)) === 2, { what: 'two messages left in the queue' });
    expect(model.waiting).toBe(2);

    const running = ids.find((id) => startedFor(id).length === 1)!;
    const again = await api('POST', `/api/v1/alerts/${running}/investigations`, a.users.operator.auth);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ message: expect.stringMatching(/already queued or running/) });
    // A repeat occurrence of a running alert and of a queued one is the same alert, counted again, and
    // each one an alert.updated on the bus.
    const queued = ids.find((id) => startedFor(id).length === 0)!;
    for (const id of [running, queued]) {
      const type = ids.indexOf(id);
      expect(await postAlert(a, `gate-${type}`)).toBe(id);
      // Accepted (202) is stored a moment later.
      await waitFor(
        async () =>
          (await api<{ occurrences: number }>('GET', `/api/v1/alerts/${id}`, a.users.viewer.auth)).body.occurrences ===
          2,
        { what: `the repeat of ${id} stored` },
      );
    }

    model.open();
    for (const id of ids) await closedSession(id);
    // A new alert posted after the repeats is queued behind anything they could have started: once its
    // session has ended, a session the repeats started would have been seen. None was.
    await closedSession(await postAlert(a, `after-repeats-${RUN}`));
    expect(ids.map((id) => startedFor(id).length)).toEqual([1, 1, 1, 1]);
  });

  it('investigates again on request: 202 with the session it will record', async () => {
    const alertId = await postAlert(a, 'on-demand');
    const first = await closedSession(alertId);
    const asked = await api<{ sessionId: string; status: string }>(
      'POST',
      `/api/v1/alerts/${alertId}/investigations`,
      a.users.operator.auth,
    );
    expect(asked.status).toBe(202);
    expect(asked.body).toEqual({ sessionId: expect.any(String), alertId, status: 'pending' });
    expect(asked.body.sessionId).not.toBe(first.payload.sessionId);
    await waitFor(() => sessionEvents(asked.body.sessionId).some((e) => e.type === 'agent.session.completed'), {
      what: 'the requested session completed',
    });
    expect(sessionEvents(asked.body.sessionId)[0]!.payload).toMatchObject({ trigger: 'manual', alertId });

    // A viewer may not, and another tenant's alert is an unknown one.
    expect((await api('POST', `/api/v1/alerts/${alertId}/investigations`, a.users.viewer.auth)).status).toBe(403);
    expect((await api('POST', `/api/v1/alerts/${alertId}/investigations`, b.users.operator.auth)).status).toBe(404);
  });
});
