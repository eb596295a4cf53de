// An agent runner cut off in the middle of an investigation. Killed (SIGKILL): the alert.created it was
// handling was never acknowledged, so it comes back; the cut-off session is closed as failed (its
// closing event numbered after its last step) and a new session investigates the alert to the end.
// Nothing stays in_progress. Embedded: the standalone process is killed and started again on the
// same data directory. Distributed: an agent-runner process beside the alert service; and the broker
// cut off (a TCP proxy in between) while an investigation runs: it goes on, its steps wait in the
// outbox, and each arrives exactly once when the broker is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { RoutingKeys } from '@vigil/contracts';
import {
  AMQP_URL,
  FakeOpenAI,
  TEST_MODE,
  TcpProxy,
  TEST_SECRETS_KEY,
  TestHarness,
  waitFor,
  type ChatReply,
  type RecordedChatRequest,
} from '@vigil/testing';
import { alertApp } from '../../alert/src/alert.app.js';
import { everythingAgentsFile } from './support/everything.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ADMIN = { email: 'crash-admin@vigil.test', password: 'granite heron violet 42' };

interface Child {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function run(app: string, env: Record<string, string | undefined>): Child {
  const entry = path.join(root, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (node scripts/build.mjs)`);
  const merged = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const child = spawn(process.execPath, [entry], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += String(d)));
  child.stderr!.on('data', (d) => (text += String(d)));
  return { child, output: () => text, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function kill(child: Child | undefined): Promise<void> {
  if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return;
  child.child.kill('SIGKILL');
  await child.exit;
}

/** A model that answers at once only when `answering`; otherwise the request stays open. */
class Model {
  answering = false;
  asked = 0;

  respond(request: RecordedChatRequest): ChatReply {
    this.asked++;
    if (!this.answering) return { hang: true };
    return { content: `The pod ran out of memory (${request.body.messages?.length} messages read).` };
  }
}

function agentsFile(dir: string): string {
  const file = path.join(dir, 'agents.yaml');
  // No MCP servers: the crash is about the session, not the tools.
  writeFileSync(
    file,
    'agents:\n  - name: general\n    alertTypes: []\n    systemPrompt: You investigate alerts.\n    mcpServers: []\ndefaultAgent: general\n',
  );
  return file;
}

describe(`an agent runner killed mid-investigation (${TEST_MODE})`, () => {
  let dir: string;
  let fake: FakeOpenAI;
  let model: Model;
  const children: Child[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-crash-'));
    model = new Model();
    fake = (await FakeOpenAI.start()).respondWith((request) => model.respond(request));
  });

  afterAll(async () => {
    for (const child of children) await kill(child);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runnerEnv = () => ({
    OPENAI_BASE_URL: fake.baseUrl,
    AGENTS_CONFIG: agentsFile(dir),
    LLM_TIMEOUT_MS: '120000',
    LOG_LEVEL: 'info',
  });

  if (TEST_MODE === 'embedded') {
    it('closes the cut-off session as failed after a restart and investigates the alert again', async () => {
      const env = {
        ...runnerEnv(),
        VIGIL_DATA_DIR: path.join(dir, 'data'),
        PORT: '0',
        AMQP_URL: undefined,
        DATABASE_URL: undefined,
        VIGIL_MODE: undefined,
        VIGIL_ADMIN_EMAIL: ADMIN.email,
        VIGIL_ADMIN_PASSWORD: ADMIN.password,
      };
      const start = async () => {
        const child = run('standalone', env);
        children.push(child);
        const url = await waitFor(
          () => {
            if (child.child.exitCode !== null) throw new Error(`exited:\n${child.output()}`);
            return /Vigil is ready at (http:\/\/localhost:\d+)/
              .exec(child.output())?.[1]
              ?.replace('localhost', '127.0.0.1');
          },
          { what: 'Vigil ready', timeoutMs: 30_000 },
        );
        return { child, url };
      };
      const first = await start();
      const login = await fetch(`${first.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      const { access_token: token } = (await login.json()) as { access_token: string };
      const posted = await fetch(`${first.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify([
          { alert_type: 'PodOOMKilled', runbook: 'Look at memory.', severity: 'critical', labels: {} },
        ]),
      });
      expect(posted.status).toBe(202);
      const [alertId] = ((await posted.json()) as { ids: string[] }).ids;
      await waitFor(() => model.asked >= 1, { what: 'the model asked' });

      await kill(first.child);
      model.answering = true;
      const second = await start();

      const file = path.join(dir, 'data', 'agent-runner.sqlite');
      const sessions = () => {
        const db = new DatabaseSync(file, { readOnly: true });
        try {
          return db
            .prepare(
              'SELECT session_id, status, error, last_sequence FROM investigations WHERE alert_id = ? ORDER BY created_at_us',
            )
            .all(alertId) as { session_id: string; status: string; error: string | null; last_sequence: number }[];
        } finally {
          db.close();
        }
      };
      const rows = await waitFor(
        () => (sessions().filter((r) => r.status === 'completed').length === 1 ? sessions() : undefined),
        {
          what: 'the alert investigated to the end after the restart',
          timeoutMs: 30_000,
        },
      );
      expect(rows.map((r) => r.status)).toEqual(['failed', 'completed']);
      expect(rows[0]!.error).toMatch(/stopped during the investigation/);
      // The analysis reached the alert.
      const alert = await waitFor(
        async () => {
          const res = await fetch(`${second.url}/api/v1/alerts/${alertId}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = (await res.json()) as { analysis: { status: string; sessionId: string } | null };
          return body.analysis?.status === 'completed' ? body : undefined;
        },
        { what: 'the analysis on the alert' },
      );
      expect(alert.analysis!.sessionId).toBe(rows[1]!.session_id);
    }, 90_000);
  } else {
    it('closes the cut-off session as failed when the message comes back, and investigates the alert again', async () => {
      const harness = await TestHarness.service(alertApp, { watch: ['agent.#'] });
      try {
        const env = {
          ...runnerEnv(),
          AMQP_URL,
          DATABASE_URL: harness.database!.url,
          BUS_NAMESPACE: harness.namespace,
          HEALTH_PORT: '0',
          VIGIL_DATA_DIR: dir,
          SECRETS_KEY: TEST_SECRETS_KEY,
        };
        const first = run('agent-runner', env);
        children.push(first);
        await waitFor(() => /agent-runner started/.test(first.output()) || undefined, {
          what: 'the agent runner started',
          timeoutMs: 30_000,
        });
        const tenantId = `t-crash-${Date.now().toString(36)}`;
        await harness.publish(RoutingKeys.IngestAlertsReceived, {
          tenantId,
          payload: {
            source: 'api',
            alerts: [
              {
                alertId: '0192f0c1-0000-7000-8000-00000000c0de',
                fingerprint: 'oom-1',
                alertType: 'PodOOMKilled',
                runbook: 'Look at memory.',
                severity: 'critical',
                timestamp: String(Date.now() * 1000),
                environment: 'production',
                status: 'firing',
                labels: { pod: 'api-1' },
                data: {},
              },
            ],
          },
        });
        const started = await waitFor(() => harness.eventsOf('agent.session.started')[0], {
          what: 'a session started',
          timeoutMs: 30_000,
        });
        await waitFor(() => model.asked >= 1, { what: 'the model asked' });
        await kill(first);
        model.answering = true;
        const second = run('agent-runner', env);
        children.push(second);

        const completed = await waitFor(() => harness.eventsOf('agent.session.completed')[0], {
          what: 'the alert investigated to the end',
          timeoutMs: 60_000,
        });
        const failed = await waitFor(() => harness.eventsOf('agent.session.failed')[0], {
          what: 'the cut-off session closed',
        });
        const cutOff = (started.payload as { sessionId: string }).sessionId;
        expect(failed.payload).toMatchObject({
          sessionId: cutOff,
          status: 'failed',
          error: expect.stringMatching(/stopped during/),
        });
        expect((completed.payload as { sessionId: string }).sessionId).not.toBe(cutOff);
        expect(harness.eventsOf('agent.session.started')).toHaveLength(2);
      } finally {
        await harness.close();
      }
    }, 120_000);
    it('keeps every step of an investigation through a broker outage and delivers each, one envelope per step, after it', async () => {
      // The model asks for one echo and concludes; its first answer waits until the broker is cut off,
      // so every step after the tool list happens during the outage.
      let releaseFirst!: () => void;
      const firstMayAnswer = new Promise<void>((resolve) => (releaseFirst = resolve));
      let answered = 0;
      const outageModel = await FakeOpenAI.start();
      outageModel.respondWith(async (request): Promise<ChatReply> => {
        if (answered++ === 0) {
          await firstMayAnswer;
          return { toolCalls: [{ name: 'everything__echo', arguments: { message: 'during the outage' } }] };
        }
        return { content: `Concluded after ${request.body.messages?.length} messages.` };
      });
      const proxy = new TcpProxy('127.0.0.1', Number(new URL(AMQP_URL).port || 5672));
      await proxy.start();
      const harness = await TestHarness.service(alertApp, { watch: ['agent.#'] });
      try {
        const viaProxy = new URL(AMQP_URL);
        viaProxy.hostname = '127.0.0.1';
        viaProxy.port = String(proxy.port);
        const runner = run('agent-runner', {
          OPENAI_BASE_URL: outageModel.baseUrl,
          AGENTS_CONFIG: everythingAgentsFile(dir),
          AMQP_URL: viaProxy.toString(),
          DATABASE_URL: harness.database!.url,
          BUS_NAMESPACE: harness.namespace,
          HEALTH_PORT: '0',
          VIGIL_DATA_DIR: dir,
          SECRETS_KEY: TEST_SECRETS_KEY,
          LOG_LEVEL: 'info',
        });
        children.push(runner);
        await waitFor(() => /agent-runner started/.test(runner.output()) || undefined, {
          what: 'the agent runner started',
          timeoutMs: 30_000,
        });
        await harness.publish(RoutingKeys.IngestAlertsReceived, {
          tenantId: `t-outage-${Date.now().toString(36)}`,
          payload: {
            source: 'api',
            alerts: [
              {
                alertId: '0192f0c1-0000-7000-8000-0000000a6e01',
                fingerprint: 'outage-1',
                alertType: 'DiskFull',
                runbook: 'Free some space.',
                severity: 'warning',
                timestamp: String(Date.now() * 1000),
                environment: 'production',
                status: 'firing',
                labels: {},
                data: {},
              },
            ],
          },
        });
        const started = await waitFor(() => harness.eventsOf('agent.session.started')[0], {
          what: 'the session started',
          timeoutMs: 30_000,
        });
        const sessionId = (started.payload as { sessionId: string }).sessionId;
        // By envelope: a publish whose confirm the cut swallowed is sent again with the same id, which
        // consumers drop (the inbox); what must hold is one envelope per step, none lost.
        const session = () => [
          ...new Map(
            harness.events
              .filter((e) => e.type.startsWith('agent.') && e.payload.sessionId === sessionId)
              .map((e) => [e.id, e]),
          ).values(),
        ];
        await waitFor(() => answered >= 1, { what: 'the model asked' });
        // The tool list came before the model was asked: let its event through first.
        await waitFor(() => session().length === 2, { what: 'the start and the tool list delivered' });

        await proxy.cut();
        releaseFirst();
        // The investigation goes on without the broker: tool call, final answer, the session closed.
        await waitFor(() => answered >= 2, { what: 'the final answer asked for during the outage', timeoutMs: 30_000 });
        expect(session().map((e) => e.type)).toEqual(['agent.session.started', 'agent.mcp.interaction']);

        await proxy.start();
        await waitFor(() => session().some((e) => e.type === 'agent.session.completed'), {
          what: 'the closing event after the outage',
          timeoutMs: 60_000,
        });
        await waitFor(() => session().length >= 6, { what: 'every step after the outage' });
        const events = session().sort((x, y) => Number(x.payload.sequence) - Number(y.payload.sequence));
        expect(events.map((e) => [e.type, e.payload.sequence])).toEqual([
          ['agent.session.started', 0],
          ['agent.mcp.interaction', 1],
          ['agent.llm.interaction', 2],
          ['agent.mcp.interaction', 3],
          ['agent.llm.interaction', 4],
          ['agent.session.completed', 5],
        ]);
        expect(events[3]!.payload).toMatchObject({ toolName: 'echo', success: true });
        // Nothing more comes: the unacknowledged alert.created came back but found its session done.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        expect(session()).toHaveLength(6);
        expect(new Set(harness.eventsOf('agent.session.started').map((e) => e.id)).size).toBe(1);
      } finally {
        await harness.close();
        await outageModel.close();
        await proxy.cut();
      }
    }, 120_000);
  }
});
