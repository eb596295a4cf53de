// Crash safety of the history's consumption: 50 alerts posted to the gateway, each investigated by
// the agent runner with a scripted model and the standard MCP test server (several model calls and
// tool calls each, some 400 agent.* events), and the history service cut off in the middle of them.
// Distributed: the history service as its own process (the built entry point an operator runs), on
// the system's messaging namespace and database, SIGKILLed once it stored some steps, at a moment
// when one of its batches is inside its transaction (the test holds the history's tables just then),
// so that batch's messages were delivered and must come again; then started again. Embedded (one
// process): the history service stopped inside the system and started again; the embedded broker
// keeps its queue meanwhile. Either way copies of stored envelopes are sent while it is down, and
// every session ends in the history as the runner recorded it: each step it emitted stored once,
// none missing, each envelope claimed once, the counts equal to the rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { CommonConfig, loadConfig } from '@vigil/config';
import type { Envelope } from '@vigil/contracts';
import { startService } from '@vigil/runtime';
import {
  AMQP_URL,
  call,
  createTestTenant,
  FakeOpenAI,
  logCollector,
  login,
  RELAXED_RATE_LIMITS,
  TEST_MODE,
  TestHarness,
  waitFor,
  type ChatReply,
  type RecordedChatRequest,
  type TestTenant,
} from '@vigil/testing';
import { everythingAgentsFile } from '../../agent-runner/test/support/everything.js';
import { historyApp } from '../src/history.app.js';

const root = path.resolve(import.meta.dirname, '../../..');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const INVESTIGATIONS = 50;
/** Alerts from this index on wait at their first model call until the history service was cut off. */
const HELD_FROM = 25;
/** Steps the history stores before it is cut off (of about 170 that can happen before then). */
const CUT_AFTER_STEPS = 60;
const ENDED = ['completed', 'failed', 'skipped'];

type Event = Envelope<Record<string, unknown>>;
type Row = Record<string, unknown>;

/** The index of the alert a request is about (alert type `crash-<index>`, a line of the prompt). */
function indexOf(request: RecordedChatRequest): number {
  const user = request.body.messages?.find((m) => m.role === 'user');
  const match = /^alertType: crash-(\d+)$/m.exec(String(user?.content ?? ''));
  if (!match) throw new Error(`a model request about no crash-<n> alert: ${String(user?.content).slice(0, 200)}`);
  return Number(match[1]);
}

/**
 * Alert n asks for 1 + n % 3 echoes, one per answer, then concludes: 2 to 4 model calls and as many
 * tool exchanges (the tool listing first) per investigation. Alerts from HELD_FROM on wait at their
 * first call until `release()`.
 */
class Model {
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  async respond(request: RecordedChatRequest): Promise<ChatReply> {
    const index = indexOf(request);
    if (index >= HELD_FROM) await this.gate;
    const results = (request.body.messages ?? []).filter((m) => m.role === 'tool').length;
    if (results < 1 + (index % 3))
      return {
        toolCalls: [{ name: 'everything__echo', arguments: { message: `crash-${index} check ${results + 1}` } }],
        usage: { prompt_tokens: 100 + index, completion_tokens: 10 + results },
      };
    return {
      content: `crash-${index}: the echo answered ${results} times.`,
      usage: { prompt_tokens: 150 + index, completion_tokens: 30 },
    };
  }
}

/** Read-only queries of the history's tables and of the agent runner's, in the mode's database. */
interface Stores {
  history(sql: string): Promise<Row[]>;
  runner(sql: string): Promise<Row[]>;
  close(): Promise<void>;
}

async function storesOf(h: TestHarness): Promise<Stores> {
  if (TEST_MODE === 'embedded') {
    const read = (service: string, sql: string) => {
      const db = new DatabaseSync(path.join(h.dataDir.path, `${service}.sqlite`), { readOnly: true });
      try {
        return Promise.resolve(db.prepare(sql).all() as Row[]);
      } finally {
        db.close();
      }
    };
    return {
      history: (sql) => read('history', sql),
      runner: (sql) => read('agent-runner', sql),
      close: () => Promise.resolve(),
    };
  }
  // The server's superuser, as the suites connect: row-level security does not hide other tenants.
  const client = async (schema: string) => {
    const c = new pg.Client({ connectionString: h.database!.url });
    await c.connect();
    await c.query(`SET search_path TO ${schema}`);
    return c;
  };
  const history = await client('vigil_history');
  const runner = await client('vigil_agent_runner');
  return {
    history: async (sql) => (await history.query(sql)).rows as Row[],
    runner: async (sql) => (await runner.query(sql)).rows as Row[],
    close: async () => {
      await history.end();
      await runner.end();
    },
  };
}

const STEP_COUNT = `SELECT (SELECT COUNT(*) FROM history_llm_interactions) + (SELECT COUNT(*) FROM history_mcp_interactions) AS n`;
const STEPS = `SELECT 'llm' AS kind, tenant_id, session_id, sequence, interaction_id, success FROM history_llm_interactions
  UNION ALL SELECT 'mcp' AS kind, tenant_id, session_id, sequence, interaction_id, success FROM history_mcp_interactions`;
const SESSIONS = `SELECT tenant_id, session_id, status, started_at_us, last_sequence, llm_count, mcp_count, error_count,
  prompt_tokens, completion_tokens, total_tokens FROM history_sessions`;
const HISTORY_TABLES = ['history_sessions', 'history_llm_interactions', 'history_mcp_interactions'].map(
  (t) => `vigil_history.${t}`,
);
/** PostgreSQL: the locks on the history's tables that some transaction waits for. */
const WAITING_FOR_THE_TABLES = `SELECT COUNT(*) AS n FROM pg_locks WHERE NOT granted
  AND relation IN (${HISTORY_TABLES.map((t) => `'${t}'::regclass`).join(', ')})`;
const INVESTIGATIONS_QUERY = 'SELECT tenant_id, session_id, status, last_sequence FROM investigations';

/** The history service as a child process of its own, on the system's namespace and database. */
interface HistoryProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<unknown>;
}

function startHistoryProcess(h: TestHarness): HistoryProcess {
  const entry = path.join(root, 'dist/apps/history/src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (node scripts/build.mjs)`);
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      AMQP_URL,
      DATABASE_URL: h.database!.url,
      BUS_NAMESPACE: h.namespace,
      HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      VIGIL_MODE: 'distributed',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += String(d)));
  child.stderr!.on('data', (d) => (text += String(d)));
  const exit = new Promise((resolve) => child.once('exit', resolve));
  return { child, output: () => text, exit };
}

async function historyStarted(proc: HistoryProcess): Promise<void> {
  await waitFor(
    () => {
      if (proc.child.exitCode !== null)
        throw new Error(`history service exited with ${proc.child.exitCode}:\n${proc.output()}`);
      return proc.output().includes('"msg":"history started"') || undefined;
    },
    { what: 'the history service to start', timeoutMs: 30_000 },
  );
}

describe(`history service cut off during 50 investigations (${TEST_MODE})`, () => {
  let dir: string;
  let model: Model;
  let fake: FakeOpenAI;
  let h: TestHarness;
  let stores: Stores;
  let tenants: TestTenant[];
  const children: HistoryProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-history-crash-'));
    model = new Model();
    fake = (await FakeOpenAI.start()).respondWith((request) => model.respond(request));
    fake.forgetRequests = true;
    h = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
        OPENAI_BASE_URL: fake.baseUrl,
        AGENTS_CONFIG: everythingAgentsFile(dir, 'agents.yaml'),
        AGENT_MAX_CONCURRENCY: String(INVESTIGATIONS),
      },
      config: { LOG_LEVEL: 'warn' },
      watch: ['agent.#'],
    });
    if (TEST_MODE === 'distributed') {
      // The history runs as its own process in this mode: the system's in-process one steps aside
      // before any event is published, leaving its queue to the child.
      await h.stop(h.services.find((s) => s.service === 'history')!);
      const first = startHistoryProcess(h);
      children.push(first);
      await historyStarted(first);
    }
    stores = await storesOf(h);
    const platform = { bearer: (await login(h.url, h.admin.email, h.admin.password)).access_token };
    tenants = await Promise.all(
      ['a', 'b'].map((t) =>
        createTestTenant(h.url, platform, `crash-${t}-${RUN}`, { roles: ['admin'], scopes: ['alerts:write'] }),
      ),
    );
  }, 60_000);

  afterAll(async () => {
    model?.release();
    for (const proc of children)
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGKILL');
        await proc.exit;
      }
    await stores?.close();
    await h?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stepCount = async () => Number((await stores.history(STEP_COUNT))[0]!['n']);
  /** The recorded agent.* events, one per envelope (a redelivered envelope is recorded again). */
  const emitted = (): Event[] => [...new Map(h.events.map((e) => [e.id, e])).values()];

  /**
   * Cuts the history service off while a batch of its is inside its transaction. Distributed: the
   * test holds the history's tables (a transaction of its own), lets the held investigations go on,
   * waits until a batch of the history waits for those tables (its messages delivered, not
   * committed), SIGKILLs the process right there, then lets the tables go. Embedded: the history
   * service is stopped inside the system (it finishes what it holds), the held investigations still
   * waiting.
   */
  async function cutOff(): Promise<void> {
    if (TEST_MODE === 'embedded') {
      await h.stop(h.services.find((s) => s.service === 'history')!);
      return;
    }
    const lock = new pg.Client({ connectionString: h.database!.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${HISTORY_TABLES.join(', ')} IN EXCLUSIVE MODE`);
      model.release();
      const first = children[0]!;
      await waitFor(
        async () => {
          if (first.child.exitCode !== null)
            throw new Error(`history service exited with ${first.child.exitCode}:\n${first.output()}`);
          return Number((await lock.query(WAITING_FOR_THE_TABLES)).rows[0].n) > 0;
        },
        { what: 'a batch of the history waiting inside its transaction', timeoutMs: 30_000 },
      );
      first.child.kill('SIGKILL');
      await first.exit;
      expect(first.child.signalCode).toBe('SIGKILL');
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      await lock.end();
    }
  }

  async function startAgain(): Promise<void> {
    if (TEST_MODE === 'distributed') {
      const second = startHistoryProcess(h);
      children.push(second);
      await historyStarted(second);
      return;
    }
    const config = loadConfig(CommonConfig, {
      VIGIL_DATA_DIR: h.dataDir.path,
      BUS_NAMESPACE: h.namespace,
      LOG_LEVEL: 'warn',
    });
    h.services.push(
      await startService(historyApp, {
        mode: 'standalone',
        config,
        broker: h.broker,
        registries: [],
        logDestination: logCollector(h.logs),
      }),
    );
  }

  it('stores every event of every session exactly once across the cut and the restart', async () => {
    // 50 alerts, half of each tenant's held at their first model call.
    for (const [t, tenant] of tenants.entries()) {
      const alerts = Array.from({ length: INVESTIGATIONS }, (_, i) => i)
        .filter((i) => i % tenants.length === t)
        .map((i) => ({
          alert_type: `crash-${i}`,
          runbook: 'Look at the dashboard.',
          severity: 'critical',
          labels: { n: String(i) },
          summary: `crash ${i} fired`,
        }));
      const posted = await call<{ ids: string[] }>(h.url, 'POST', '/api/v1/alerts', {
        auth: { apiKey: tenant.keys['alerts:write']!.key },
        body: alerts,
      });
      expect(posted.status).toBe(202);
      expect(posted.body.ids).toHaveLength(alerts.length);
    }

    // Cut off while steps are being stored; the held investigations have not stored a model call yet.
    await waitFor(async () => (await stepCount()) >= CUT_AFTER_STEPS, {
      what: `${CUT_AFTER_STEPS} steps stored`,
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    await cutOff();
    const atCut = await stepCount();
    const endedAtCut = (await stores.history(SESSIONS)).filter((s) => ENDED.includes(String(s['status']))).length;

    // Copies of envelopes the history certainly stored, as a redelivery brings them: they must change nothing.
    const stored = new Set((await stores.history(STEPS)).map((s) => String(s['interaction_id'])));
    const copies = emitted().filter(
      (e) =>
        (e.type === 'agent.llm.interaction' || e.type === 'agent.mcp.interaction') &&
        stored.has(String(e.payload['interactionId'])),
    );
    for (const envelope of copies) await h.publishRaw(envelope);

    // Held investigations end while the history is down: their events wait in its queue.
    model.release();
    const heldEnded = () =>
      emitted().filter(
        (e) =>
          (e.type === 'agent.session.completed' || e.type === 'agent.session.failed') &&
          Number(/^crash-(\d+)$/.exec(String(e.payload['alertType']))?.[1]) >= HELD_FROM,
      ).length;
    await waitFor(() => heldEnded() >= 10, { what: 'held investigations ended', timeoutMs: 30_000 });
    await startAgain();

    // The runner's record: every investigation ended, its closing event numbered last_sequence.
    const runner = await waitFor(
      async () => {
        const rows = await stores.runner(INVESTIGATIONS_QUERY);
        return rows.length === INVESTIGATIONS && rows.every((r) => ENDED.includes(String(r['status'])))
          ? rows
          : undefined;
      },
      { what: 'every investigation ended in the runner', timeoutMs: 60_000 },
    );
    const expectedSteps = runner.reduce((sum, r) => sum + Number(r['last_sequence']) - 1, 0);
    // Every event the runner emitted has reached the recorder.
    await waitFor(() => emitted().length === expectedSteps + 2 * INVESTIGATIONS, {
      what: 'every emitted event recorded',
    });
    // The history catches up; should it not, the comparisons below name the steps and sessions it got wrong.
    await waitFor(
      async () => {
        const sessions = await stores.history(SESSIONS);
        return (
          sessions.length === INVESTIGATIONS &&
          sessions.every((s) => ENDED.includes(String(s['status']))) &&
          (await stepCount()) === expectedSteps
        );
      },
      { what: 'every session ended in the history with its steps', timeoutMs: 45_000 },
    ).catch(() => undefined);

    // The cut was real: stored steps were cut short, sessions were still running.
    expect(atCut).toBeGreaterThanOrEqual(CUT_AFTER_STEPS);
    expect(atCut).toBeLessThan(expectedSteps);
    expect(endedAtCut).toBeLessThan(INVESTIGATIONS);
    expect(copies.length).toBeGreaterThan(0);

    const key = (r: Row) => `${String(r['tenant_id'])}/${String(r['session_id'])}`;
    const events = emitted();
    expect(new Set(events.map((e) => e.tenantId))).toEqual(new Set(tenants.map((t) => t.id)));

    // The steps: exactly the envelopes the runner emitted, each once; per session 1..n, nothing missing.
    const steps = await stores.history(STEPS);
    const storedSteps = steps
      .map((s) => `${key(s)}/${Number(s['sequence'])}/${String(s['kind'])}/${String(s['interaction_id'])}`)
      .sort();
    const emittedSteps = events
      .filter((e) => e.type === 'agent.llm.interaction' || e.type === 'agent.mcp.interaction')
      .map(
        (e) =>
          `${e.tenantId}/${String(e.payload['sessionId'])}/${Number(e.payload['sequence'])}/${e.type === 'agent.llm.interaction' ? 'llm' : 'mcp'}/${String(e.payload['interactionId'])}`,
      )
      .sort();
    expect(storedSteps).toEqual(emittedSteps);
    expect(storedSteps).toHaveLength(expectedSteps);
    const sequencesOf = new Map<string, number[]>();
    for (const s of steps) sequencesOf.set(key(s), [...(sequencesOf.get(key(s)) ?? []), Number(s['sequence'])]);
    for (const r of runner)
      expect([key(r), (sequencesOf.get(key(r)) ?? []).sort((x, y) => x - y)]).toEqual([
        key(r),
        Array.from({ length: Number(r['last_sequence']) - 1 }, (_, i) => i + 1),
      ]);

    // Each envelope claimed once in the history's inbox: the copies and redeliveries were recognised.
    expect((await stores.history('SELECT envelope_id FROM inbox')).map((r) => String(r['envelope_id'])).sort()).toEqual(
      events.map((e) => e.id).sort(),
    );

    // The sessions: as the runner ended them, counts equal to the stored rows, tokens from the closing event.
    const closing = new Map(
      events
        .filter((e) => e.type === 'agent.session.completed' || e.type === 'agent.session.failed')
        .map((e) => [`${e.tenantId}/${String(e.payload['sessionId'])}`, e.payload]),
    );
    const rowsOf = (k: string, kind: string) => steps.filter((s) => key(s) === k && s['kind'] === kind);
    const expected = new Map(
      runner.map((r) => {
        const k = key(r);
        const tokens = closing.get(k)!['tokens'] as { prompt: number; completion: number; total: number };
        return [
          k,
          {
            status: r['status'],
            started: true,
            last_sequence: Number(r['last_sequence']),
            llm_count: rowsOf(k, 'llm').length,
            mcp_count: rowsOf(k, 'mcp').length,
            error_count: steps.filter((s) => key(s) === k && !s['success']).length,
            prompt_tokens: tokens.prompt,
            completion_tokens: tokens.completion,
            total_tokens: tokens.total,
          },
        ];
      }),
    );
    const sessions = await stores.history(SESSIONS);
    expect(
      new Map(
        sessions.map((s) => [
          key(s),
          {
            status: s['status'],
            started: s['started_at_us'] !== null,
            last_sequence: Number(s['last_sequence']),
            llm_count: Number(s['llm_count']),
            mcp_count: Number(s['mcp_count']),
            error_count: Number(s['error_count']),
            prompt_tokens: Number(s['prompt_tokens']),
            completion_tokens: Number(s['completion_tokens']),
            total_tokens: Number(s['total_tokens']),
          },
        ]),
      ),
    ).toEqual(expected);
    // Every investigation ran to its end, with model and tool steps.
    expect(runner.map((r) => r['status'])).toEqual(Array(INVESTIGATIONS).fill('completed'));
    expect([...expected.values()].every((s) => s.llm_count >= 2 && s.mcp_count >= 2)).toBe(true);
  }, 120_000);
});
