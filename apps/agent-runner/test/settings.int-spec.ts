// The agent runner's two "less" settings in the running system: with no model endpoint every alert
// still flows and gets a session recorded as skipped, saying why; with HISTORY_ENABLED=false the
// investigation runs but only its start and end are emitted.
import type { Envelope } from '@vigil/contracts';
import {
  call,
  FakeOpenAI,
  login,
  RELAXED_RATE_LIMITS,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Auth,
  type ChatReply,
} from '@vigil/testing';

type Event = Envelope<Record<string, unknown>>;

async function postAlert(system: TestHarness, auth: Auth, alertType: string): Promise<string> {
  const answer = await call<{ ids: string[] }>(system.url, 'POST', '/api/v1/alerts', {
    auth,
    body: { alert_type: alertType, runbook: 'Look at the dashboard.', severity: 'warning' },
  });
  expect(answer.status).toBe(202);
  return answer.body.ids[0]!;
}

const eventsOfAlert = (system: TestHarness, alertId: string): Event[] => {
  const sessions = new Set(
    system
      .eventsOf<Record<string, unknown>>('agent.session.started')
      .filter((e) => e.payload.alertId === alertId)
      .map((e) => e.payload.sessionId),
  );
  return system.events
    .filter((e) => e.type.startsWith('agent.') && sessions.has(e.payload.sessionId))
    .sort((x, y) => Number(x.payload.sequence) - Number(y.payload.sequence));
};

describe(`agent runner with no model endpoint (${TEST_MODE})`, () => {
  let system: TestHarness;
  let admin: Auth;

  beforeAll(async () => {
    system = await TestHarness.system({
      env: { ...RELAXED_RATE_LIMITS, OPENAI_BASE_URL: undefined, OPENAI_API_KEY: undefined },
      watch: ['agent.#', 'alert.analysed'],
    });
    admin = { bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token };
  }, 60_000);

  afterAll(() => system?.close());

  it('stores the alert and records a skipped session that says why; the agents list says so too', async () => {
    const alertId = await postAlert(system, admin, 'HighLatency');
    await waitFor(() => eventsOfAlert(system, alertId).length === 2, { what: 'the skipped session' });
    const [started, ended] = eventsOfAlert(system, alertId);
    expect(started).toMatchObject({
      type: 'agent.session.started',
      payload: { alertId, agentType: 'general', stepDescription: 'Started the investigation with agent general' },
    });
    expect(started!.payload.model).toBeUndefined();
    expect(ended).toMatchObject({
      type: 'agent.session.failed',
      payload: {
        sequence: 1,
        status: 'skipped',
        error: 'no model is configured (set OPENAI_BASE_URL to an OpenAI-compatible endpoint)',
        stepDescription: 'Skipped: no model is configured (set OPENAI_BASE_URL to an OpenAI-compatible endpoint)',
      },
    });

    const alert = await waitFor(
      async () => {
        const view = await call<{ status: string; analysis: { status: string } | null }>(
          system.url,
          'GET',
          `/api/v1/alerts/${alertId}`,
          { auth: admin },
        );
        return view.body.analysis?.status === 'skipped' ? view : undefined;
      },
      { what: 'the skipped analysis on the alert' },
    );
    expect(alert.status).toBe(200);
    expect(alert.body).toMatchObject({
      status: 'triggered',
      analysis: {
        status: 'skipped',
        agent: 'general',
        text: 'no model is configured (set OPENAI_BASE_URL to an OpenAI-compatible endpoint)',
      },
    });

    const agents = await call<{ llmConfigured: boolean; agents: { name: string }[] }>(
      system.url,
      'GET',
      '/api/v1/agents',
      { auth: admin },
    );
    expect(agents.status).toBe(200);
    expect(agents.body.llmConfigured).toBe(false);
    expect(agents.body.agents.map((a) => a.name)).toEqual(['kubernetes', 'general']);
  });
});

describe(`agent runner with HISTORY_ENABLED=false (${TEST_MODE})`, () => {
  let system: TestHarness;
  let fake: FakeOpenAI;
  let admin: Auth;

  beforeAll(async () => {
    fake = (await FakeOpenAI.start()).respondWith((): ChatReply => ({
      content: 'The service is slow.',
      usage: { prompt_tokens: 40, completion_tokens: 5 },
    }));
    system = await TestHarness.system({
      env: { ...RELAXED_RATE_LIMITS, OPENAI_BASE_URL: fake.baseUrl, HISTORY_ENABLED: 'false' },
      watch: ['agent.#'],
    });
    admin = { bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token };
  }, 60_000);

  afterAll(async () => {
    await system?.close();
    await fake?.close();
  });

  it('investigates, but emits only the start and the end of the session', async () => {
    const alertId = await postAlert(system, admin, 'HighLatency');
    await waitFor(() => eventsOfAlert(system, alertId).some((e) => e.type === 'agent.session.completed'), {
      what: 'the completed session',
    });
    expect(fake.requests.length).toBeGreaterThanOrEqual(1);
    const events = eventsOfAlert(system, alertId);
    expect(events.map((e) => e.type)).toEqual(['agent.session.started', 'agent.session.completed']);
    expect(events[1]!.payload).toMatchObject({
      finalAnalysis: 'The service is slow.',
      tokens: { prompt: 40, completion: 5, total: 45 },
    });
  });
});
