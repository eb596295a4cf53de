// History benchmark (`npm run bench:history`): the history service and the gateway's history API,
// distributed, over RabbitMQ (a messaging namespace of its own) and PostgreSQL (database
// `vigil_bench_history`, recreated). The six services run as their real entry points
// (dist/apps/<app>/src/main.js) with the default settings; only addresses, the shared secrets, the
// first admin and the rate limits are set. 10 tenants and their alerts:read keys are created through
// the API.
//   1. Consumption: agent.* events as the agent runner's outbox relay publishes them (prebuilt
//      envelopes, persistent, publisher confirms) for sessions of 20 steps (a tool list, 9 rounds of
//      model → tool call, the final answer) and ten sessions of 200 steps, 1 % of the envelopes
//      published twice (the relay's at-least-once). First live (the history service running while
//      the events are published), then a backlog: the events published while the history service
//      is stopped, and it started again. Printed: interaction events/s persisted (first event stored
//      → the last one), and exactness: rows stored per table against events sent, sessions by status
//      against what was sent, sessions whose counts differ, duplicates.
//   2. The data set: 100,000 sessions and 2,000,000 interactions across the 10 tenants. What part 1
//      stored went through the consumer; the rest is copied from those sessions by SQL (new ids,
//      start times spread over 30 days), and the output says how many rows each way.
//   3. Latency through the gateway (sequential requests, each tenant in turn, after warm-up): p50 and
//      p95 for each filter combination of the history list an operator uses (alert type + status +
//      time range; agent type + several statuses + time range; active = pending + in_progress) and
//      for search (target p95 < 50 ms), and the timeline of a 200-step session (target p95 < 30 ms,
//      each answer checked: 200 steps in sequence order).
//   Exits non-zero when an event is lost or stored twice, or an answer is wrong.
// Env: AMQP_URL, DATABASE_URL (server; the bench uses its own database on it), BENCH_HISTORY_SESSIONS
// (100000), BENCH_HISTORY_INTERACTIONS (2000000), BENCH_HISTORY_CONSUMED (200000: interactions through
// the consumer, at least), BENCH_HISTORY_REQUESTS (100 per query).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { createEnvelope, isoMicros, RoutingKeys, type Envelope } from '@vigil/contracts';
import { RabbitBroker } from '@vigil/messaging';
import { ALL_SERVICES } from '../apps/standalone/src/services.js';
import {
  AMQP_URL,
  Api,
  createTenants,
  percentile,
  recreateDatabase,
  removeNamespace,
  round,
  SERVICE_ENV,
  startService,
  stop,
  waitReady,
  waitUntil,
  type BenchTenant,
} from './support/system.js';

const SESSIONS = Number(process.env.BENCH_HISTORY_SESSIONS ?? 100_000);
const INTERACTIONS = Number(process.env.BENCH_HISTORY_INTERACTIONS ?? 2_000_000);
const CONSUMED = Number(process.env.BENCH_HISTORY_CONSUMED ?? 200_000);
const REQUESTS = Number(process.env.BENCH_HISTORY_REQUESTS ?? 100);
const WARMUP_REQUESTS = 10;
const TENANTS = 10;
/** Interactions of an ordinary session: a tool list, 9 × (model, tool call), the final answer. */
const STEPS = 20;
const TIMELINE_STEPS = 200;
/** The live part of the consumption (sessions); the rest goes through as a backlog. */
const LIVE_SESSIONS = 1_000;
const DUPLICATE_SHARE = 0.01;
const IN_FLIGHT = 2_000;
const GATEWAY_PORT = 3490;
const DAY_US = 86_400_000_000;
const NOW_US = BigInt(Date.now()) * 1000n;
const logger = pino({ level: 'warn' });

const AGENT_TYPES = ['kubernetes', 'database', 'network', 'storage', 'general'];
const ALERT_NAMES = [
  'KubePodCrashLooping',
  'HighRequestLatency',
  'DiskWillFillIn4Hours',
  'PostgresReplicationLag',
  'CertificateExpiringSoon',
  'NodeNotReady',
  'ErrorBudgetBurn',
  'ContainerOOMKilled',
];
/** 40 alert types: 8 names × 5 clusters. */
const alertTypeOf = (n: number) => `${ALERT_NAMES[n % 8]}-${Math.floor(n / 8) % 5}`;
const SERVICES = ['checkout', 'payments', 'search', 'catalog', 'auth', 'ledger', 'inventory', 'shipping'];

type Status = 'completed' | 'failed' | 'in_progress';
/** 75 % completed, 15 % failed, 10 % still running (no end event). */
const statusOf = (n: number): Status => (n % 20 < 15 ? 'completed' : n % 20 < 18 ? 'failed' : 'in_progress');

interface PlannedSession {
  n: number;
  tenant: BenchTenant;
  sessionId: string;
  alertId: string;
  steps: number;
  status: Status;
  agentType: string;
  alertType: string;
}

// ---- the events of one session, as the agent runner emits them --------------------------------------

function sessionEnvelopes(s: PlannedSession): Envelope<object>[] {
  const startedUs = NOW_US - BigInt(Math.floor(((s.n * 7919) % 30_000) * (DAY_US / 1000)));
  const at = (stepMs: number) => isoMicros(startedUs + BigInt(stepMs * 1000));
  const service = SERVICES[s.n % SERVICES.length]!;
  const pod = `${service}-${(s.n * 2654435761) % 100_000}`.padEnd(16, 'x');
  const alertData = {
    alertId: s.alertId,
    alertType: s.alertType,
    severity: ['critical', 'high', 'medium', 'low'][s.n % 4],
    environment: 'production',
    fingerprint: randomBytes(8).toString('hex'),
    labels: { namespace: `ns-${service}`, pod, service, cluster: `eu-west-${s.n % 3}` },
    annotations: {
      summary: `Pod ${pod} is restarting`,
      description: `${service} has restarted 7 times in 10 minutes; the last exit code was 137.`,
    },
    runbook: `https://runbooks.example.com/${s.alertType}`,
  };
  const envelope = (type: string, payload: object) =>
    createEnvelope<object>({ type, tenantId: s.tenant.id, payload: { sessionId: s.sessionId, ...payload } });
  const out = [
    envelope(RoutingKeys.AgentSessionStarted, {
      sequence: 0,
      alertId: s.alertId,
      alertType: s.alertType,
      agentType: s.agentType,
      alertData,
      trigger: 'alert',
      model: 'gpt-4o-mini',
      startedAt: at(0),
    }),
  ];
  const conversation = [
    { role: 'system', content: `You are an SRE investigating ${s.agentType} alerts. Use the tools, then explain.` },
    {
      role: 'user',
      content: `Investigate this alert. Every field it carries:\n${Object.entries(alertData)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join('\n')}`,
    },
  ];
  let tokens = 0;
  for (let sequence = 1; sequence <= s.steps; sequence++) {
    const stepMs = sequence * 700;
    const common = { sequence, interactionId: uuidv7(), timestamp: at(stepMs), success: true };
    if (sequence === 1)
      out.push(
        envelope(RoutingKeys.AgentMcpInteraction, {
          ...common,
          durationMs: 4.2,
          stepDescription: 'Listed the tools of vigil-tools',
          serverName: 'vigil-tools',
          communicationType: 'tool_list',
          result: { tools: ['http_check', 'dns_lookup', 'tcp_check', 'similar_alerts'] },
        }),
      );
    else if (sequence % 2 === 0 && sequence < s.steps) {
      tokens += 900;
      out.push(
        envelope(RoutingKeys.AgentLlmInteraction, {
          ...common,
          durationMs: 850.5,
          stepDescription: `Asked the model for the next step (round ${sequence / 2})`,
          model: 'gpt-4o-mini',
          messages: conversation,
          toolCalls: [
            { id: `call_${sequence}`, name: 'vigil-tools__http_check', args: { url: `https://${service}/healthz` } },
          ],
          tokens: { prompt: 820, completion: 80, total: 900 },
        }),
      );
    } else if (sequence < s.steps)
      out.push(
        envelope(RoutingKeys.AgentMcpInteraction, {
          ...common,
          durationMs: 31.7,
          ...(sequence % 10 === 7 ? { success: false, error: 'timeout after 20000 ms' } : {}),
          stepDescription: `Called vigil-tools.http_check on https://${service}/healthz`,
          serverName: 'vigil-tools',
          communicationType: 'tool_call',
          toolName: 'http_check',
          arguments: { url: `https://${service}/healthz` },
          result: { text: `HTTP 503 in 212 ms; TLS valid 61 days; upstream ${service}-db refused connections` },
        }),
      );
    else {
      tokens += 1_100;
      out.push(
        envelope(RoutingKeys.AgentLlmInteraction, {
          ...common,
          durationMs: 1_420.25,
          stepDescription: 'Asked the model for its conclusion',
          model: 'gpt-4o-mini',
          messages: conversation,
          response: `${service} restarts because its database refuses connections: raise max_connections.`,
          tokens: { prompt: 950, completion: 150, total: 1_100 },
        }),
      );
    }
  }
  const end = {
    sequence: s.steps + 1,
    alertId: s.alertId,
    alertType: s.alertType,
    agentType: s.agentType,
    tokens: { prompt: tokens - 100, completion: 100, total: tokens },
    completedAt: at((s.steps + 1) * 700),
  };
  if (s.status === 'completed')
    out.push(
      envelope(RoutingKeys.AgentSessionCompleted, {
        ...end,
        finalAnalysis: `${service} restarts because ${service}-db refuses connections (max_connections reached).`,
        forcedConclusion: false,
      }),
    );
  else if (s.status === 'failed')
    out.push(
      envelope(RoutingKeys.AgentSessionFailed, {
        ...end,
        status: 'failed',
        error: `the model endpoint answered 502 three times for ${pod}`,
      }),
    );
  return out;
}

function plan(tenants: readonly BenchTenant[], count: number, from: number, steps: number): PlannedSession[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return {
      n,
      tenant: tenants[n % tenants.length]!,
      sessionId: uuidv7(),
      alertId: uuidv7(),
      steps,
      status: steps === TIMELINE_STEPS ? 'completed' : statusOf(n),
      agentType: AGENT_TYPES[n % AGENT_TYPES.length]!,
      alertType: alertTypeOf(Math.floor(n / TENANTS)),
    };
  });
}

/** Publishes every envelope (and 1 % of them a second time), IN_FLIGHT at a time; returns the copies sent again. */
async function publish(
  broker: RabbitBroker,
  envelopes: readonly Envelope<object>[],
  bodies: readonly Buffer[],
): Promise<number> {
  let next = 0;
  let again = 0;
  const send = (envelope: Envelope<object>, body: Buffer) =>
    broker.publish(envelope.type, body, { messageId: envelope.id, appId: 'agent-runner' });
  const worker = async () => {
    while (next < envelopes.length) {
      const i = next++;
      const envelope = envelopes[i]!;
      await send(envelope, bodies[i]!);
      if (Math.random() < DUPLICATE_SHARE) {
        again++;
        await send(envelope, bodies[i]!);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return again;
}

// ---- what the history holds --------------------------------------------------------------------------

interface Counts {
  sessions: number;
  llm: number;
  mcp: number;
}

async function counts(db: pg.Client): Promise<Counts> {
  const { rows } = await db.query(
    `SELECT (SELECT COUNT(*) FROM vigil_history.history_sessions) AS sessions,
            (SELECT COUNT(*) FROM vigil_history.history_llm_interactions) AS llm,
            (SELECT COUNT(*) FROM vigil_history.history_mcp_interactions) AS mcp`,
  );
  return { sessions: Number(rows[0].sessions), llm: Number(rows[0].llm), mcp: Number(rows[0].mcp) };
}

function expectedCounts(sessions: readonly PlannedSession[]): Counts {
  // Per session: the tool list and the tool calls are MCP steps, the rest LLM steps.
  let llm = 0;
  let mcp = 0;
  for (const s of sessions) {
    const calls = Math.floor((s.steps - 1) / 2);
    mcp += 1 + calls;
    llm += s.steps - 1 - calls;
  }
  return { sessions: sessions.length, llm, mcp };
}

interface Consumption {
  interactions: number;
  seconds: number;
  perSecond: number;
  publishedPerSecond: number;
  /** Envelopes published, and how many of them were a second copy. */
  envelopes: number;
  again: number;
  /** What the service's consumer counted for them, by outcome (its /metrics). */
  outcomes: Record<string, number>;
}

/** The history service's consumed messages by outcome, from its /metrics. */
async function consumedOutcomes(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^vigil_messages_consumed_total\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || !match[1]!.includes('service="history"')) continue;
    const outcome = /outcome="([^"]+)"/.exec(match[1]!)?.[1] ?? 'unknown';
    out[outcome] = (out[outcome] ?? 0) + Number(match[2]);
  }
  return out;
}

/**
 * Publishes the sessions' events and waits until the service has consumed every envelope sent,
 * copies included, and every row is stored (the rate counts interaction rows).
 */
async function consume(
  db: pg.Client,
  broker: RabbitBroker,
  port: number,
  sessions: readonly PlannedSession[],
  start?: () => Promise<void>,
): Promise<Consumption> {
  const before = await counts(db);
  const outcomesBefore = start ? {} : await consumedOutcomes(port);
  const expected = expectedCounts(sessions);
  const interactions = expected.llm + expected.mcp;
  const envelopes = sessions.flatMap(sessionEnvelopes);
  // Serialised before the clock starts: the runner's relay publishes stored bytes too.
  const bodies = envelopes.map((envelope) => Buffer.from(JSON.stringify(envelope)));
  const publishStarted = performance.now();
  const again = await publish(broker, envelopes, bodies);
  const publishedPerSecond = Math.round(envelopes.length / ((performance.now() - publishStarted) / 1000));
  // Live: the clock started with the first publish; backlog: when the stopped service is started.
  let begin = publishStarted;
  if (start) {
    begin = performance.now();
    await start();
  }
  // Progress is read from the service's /metrics (a message is counted once its batch committed),
  // not by counting rows: a COUNT(*) of three tables every 100 ms cost PostgreSQL about as much as a
  // sixth of the consumption it was measuring. The rows are counted once everything is consumed.
  let outcomes: Record<string, number> = {};
  await waitUntil(
    'every envelope consumed',
    async () => {
      const now = await consumedOutcomes(port);
      outcomes = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (outcomesBefore[k] ?? 0)]));
      const settled = ['handled', 'duplicate', 'dead_lettered'].reduce((n, k) => n + (outcomes[k] ?? 0), 0);
      return settled >= envelopes.length + again;
    },
    600_000,
  );
  await waitUntil(
    'every interaction stored',
    async () => {
      const now = await counts(db);
      return (
        now.llm + now.mcp - before.llm - before.mcp >= interactions &&
        now.sessions - before.sessions >= expected.sessions
      );
    },
    120_000,
  );
  const seconds = (performance.now() - begin) / 1000;
  return {
    interactions,
    seconds: round(seconds, 2),
    perSecond: Math.round(interactions / seconds),
    publishedPerSecond,
    envelopes: envelopes.length,
    again,
    outcomes,
  };
}

const outcomeText = (run: Consumption) =>
  `${run.envelopes} envelopes + ${run.again} second copies consumed: ${Object.entries(run.outcomes)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`;

/** Stored against sent, per table and per session; returns the problems found (none: exact). */
async function exactness(db: pg.Client, sessions: readonly PlannedSession[]): Promise<string[]> {
  const problems: string[] = [];
  const expected = expectedCounts(sessions);
  const stored = await counts(db);
  for (const key of ['sessions', 'llm', 'mcp'] as const)
    if (stored[key] !== expected[key]) problems.push(`${key}: ${stored[key]} stored, ${expected[key]} sent`);
  const byStatus = new Map<string, number>();
  for (const s of sessions) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  const { rows: statusRows } = await db.query(
    'SELECT status, COUNT(*) AS n FROM vigil_history.history_sessions GROUP BY status',
  );
  for (const row of statusRows as { status: string; n: string }[])
    if (Number(row.n) !== (byStatus.get(row.status) ?? 0))
      problems.push(`status ${row.status}: ${row.n} stored, ${byStatus.get(row.status) ?? 0} sent`);
  // Every session's own counts against its steps as sent.
  const sent = new Map(sessions.map((s) => [s.sessionId, s]));
  const { rows } = await db.query(
    'SELECT session_id, status, llm_count + mcp_count AS steps FROM vigil_history.history_sessions',
  );
  let wrong = 0;
  for (const row of rows as { session_id: string; status: string; steps: number }[]) {
    const session = sent.get(row.session_id);
    if (!session || Number(row.steps) !== session.steps || row.status !== session.status) wrong++;
  }
  if (wrong) problems.push(`${wrong} sessions whose step counts or status differ from what was sent`);
  const { rows: dup } = await db.query(
    `SELECT (SELECT COUNT(*) - COUNT(DISTINCT interaction_id) FROM vigil_history.history_llm_interactions)
          + (SELECT COUNT(*) - COUNT(DISTINCT interaction_id) FROM vigil_history.history_mcp_interactions) AS n`,
  );
  if (Number(dup[0].n) !== 0) problems.push(`${dup[0].n} interactions stored twice`);
  return problems;
}

// ---- the rest of the data set, by SQL ------------------------------------------------------------------

/**
 * Copies the consumer's 20-step sessions, with their steps, as new sessions of the same tenants (new
 * ids, start times spread over 30 days) until `sessions` sessions are stored; in chunks, each one
 * statement per table. Returns the rows added per table.
 */
async function bulkCopy(db: pg.Client, sessions: number): Promise<Counts> {
  const before = await counts(db);
  const missing = sessions - before.sessions;
  if (missing <= 0) return { sessions: 0, llm: 0, mcp: 0 };
  const columnsOf = async (table: string) =>
    (
      await db.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'vigil_history' AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      )
    ).rows.map((r: { column_name: string }) => r.column_name);
  await db.query(
    `CREATE TEMP TABLE bench_templates AS
       SELECT (row_number() OVER (ORDER BY session_id) - 1) AS i, tenant_id, session_id, started_at_us
       FROM vigil_history.history_sessions WHERE llm_count + mcp_count = ${STEPS}`,
  );
  const templates = Number((await db.query('SELECT COUNT(*) AS n FROM bench_templates')).rows[0].n);
  await db.query(
    `CREATE TEMP TABLE bench_copies AS
       SELECT k, t.tenant_id, t.session_id AS template_id, gen_random_uuid() AS session_id,
              (${NOW_US} - (random() * ${30 * DAY_US})::bigint) - t.started_at_us AS shift
       FROM generate_series(0, ${missing - 1}) AS k JOIN bench_templates t ON t.i = k % ${templates}`,
  );
  await db.query('CREATE INDEX ON bench_copies (k)');
  const replace: Record<string, Record<string, string>> = {
    history_sessions: {
      session_id: 'c.session_id',
      alert_id: 'gen_random_uuid()',
      started_at_us: 's.started_at_us + c.shift',
      completed_at_us: 's.completed_at_us + c.shift',
      updated_at_us: 's.updated_at_us + c.shift',
    },
    history_llm_interactions: {
      session_id: 'c.session_id',
      interaction_id: 'gen_random_uuid()',
      timestamp_us: 's.timestamp_us + c.shift',
    },
    history_mcp_interactions: {
      session_id: 'c.session_id',
      interaction_id: 'gen_random_uuid()',
      timestamp_us: 's.timestamp_us + c.shift',
    },
  };
  const statements: string[] = [];
  for (const table of Object.keys(replace)) {
    const columns = await columnsOf(table);
    const select = columns.map((c) => replace[table]![c] ?? `s.${c}`);
    statements.push(
      `INSERT INTO vigil_history.${table} (${columns.join(', ')}) SELECT ${select.join(', ')}
       FROM bench_copies c JOIN vigil_history.${table} s ON s.tenant_id = c.tenant_id AND s.session_id = c.template_id
       WHERE c.k >= $1 AND c.k < $2`,
    );
  }
  const chunk = 10_000;
  for (let from = 0; from < missing; from += chunk) {
    await db.query('BEGIN');
    for (const statement of statements) await db.query(statement, [from, from + chunk]);
    await db.query('COMMIT');
  }
  await db.query('DROP TABLE bench_copies, bench_templates');
  const after = await counts(db);
  return { sessions: after.sessions - before.sessions, llm: after.llm - before.llm, mcp: after.mcp - before.mcp };
}

// ---- latency through the gateway ------------------------------------------------------------------------

interface Timed {
  what: string;
  p50: number;
  p95: number;
  note: string;
}

async function timed(
  api: Api,
  tenants: readonly BenchTenant[],
  what: string,
  pathOf: (tenant: BenchTenant, i: number) => string,
  check: (body: unknown, tenant: BenchTenant) => string | undefined,
): Promise<Timed & { results: number[] }> {
  const times: number[] = [];
  const results: number[] = [];
  for (let i = 0; i < WARMUP_REQUESTS + REQUESTS; i++) {
    const tenant = tenants[i % tenants.length]!;
    const path = pathOf(tenant, i);
    const begin = performance.now();
    const reply = await api.call('GET', path, { authorization: `Bearer ${tenant.keys['alerts:read']!}` });
    const took = performance.now() - begin;
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    const problem = check(reply.body, tenant);
    if (problem) throw new Error(`GET ${path}: ${problem}`);
    if (i >= WARMUP_REQUESTS) times.push(took);
    const total = (reply.body as { total?: number }).total;
    if (total !== undefined) results.push(total);
  }
  times.sort((a, b) => a - b);
  results.sort((a, b) => a - b);
  const note = results.length ? `matching ${results[0]}–${results[results.length - 1]} per tenant` : '';
  return { what, p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), note, results };
}

interface ListBody {
  items: { sessionId: string; status: string; agentType: string; alertType: string; startedAt: string | null }[];
  total: number;
}

async function latencies(api: Api, tenants: readonly BenchTenant[], timelines: Map<string, string>): Promise<Timed[]> {
  const week = new Date(Number(NOW_US / 1000n) - 7 * 86_400_000).toISOString();
  const until = new Date(Number(NOW_US / 1000n) + 60_000).toISOString();
  const list = (query: string) => `/api/v1/history/sessions?${query}&limit=50`;
  /** Every item matches the filters, and the total is at least the page. */
  const listCheck =
    (ok: (item: ListBody['items'][number]) => boolean) =>
    (body: unknown): string | undefined => {
      const page = body as ListBody;
      if (page.items.length > page.total) return `${page.items.length} items but total ${page.total}`;
      const bad = page.items.find((item) => !ok(item));
      return bad ? `item outside the filters: ${JSON.stringify(bad)}` : undefined;
    };
  const inWeek = (item: ListBody['items'][number]) => item.startedAt !== null && item.startedAt >= week;
  const rows: Timed[] = [];
  rows.push(
    await timed(
      api,
      tenants,
      'alert type + status + time range',
      (_t, i) => list(`alert_type=${alertTypeOf(i % 40)}&status=completed&from=${week}&to=${until}`),
      listCheck((item) => item.status === 'completed' && inWeek(item)),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      'agent type + 2 statuses + time range',
      (_t, i) => list(`agent_type=${AGENT_TYPES[i % 5]}&status=completed,failed&from=${week}&to=${until}`),
      listCheck((item) => ['completed', 'failed'].includes(item.status) && inWeek(item)),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      'active (pending + in_progress)',
      () => list('status=pending,in_progress'),
      listCheck((item) => ['pending', 'in_progress'].includes(item.status)),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      'search (q, in alert data, error and analysis)',
      (_t, i) => list(`q=${SERVICES[i % SERVICES.length]}-${(i * 2654435761) % 100_000}`),
      listCheck(() => true),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      'no filter, newest first',
      () => list('sort=started_at'),
      listCheck(() => true),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      'agent type + time range, longest first',
      (_t, i) => list(`agent_type=${AGENT_TYPES[i % 5]}&from=${week}&sort=duration&order=desc`),
      listCheck(inWeek),
    ),
  );
  rows.push(
    await timed(
      api,
      tenants,
      `timeline of a ${TIMELINE_STEPS}-step session`,
      (t) => `/api/v1/history/sessions/${timelines.get(t.id)!}`,
      (body) => {
        const detail = body as { timeline: { sequence: number }[] };
        if (detail.timeline.length !== TIMELINE_STEPS) return `${detail.timeline.length} steps`;
        const outOfOrder = detail.timeline.findIndex((step, i) => step.sequence !== i + 1);
        return outOfOrder === -1 ? undefined : `step ${outOfOrder} out of order`;
      },
    ),
  );
  return rows;
}

// ---- the run -----------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const databaseUrl = await recreateDatabase('vigil_bench_history');
  const namespace = `vigil-bench-history-${randomBytes(3).toString('hex')}`;
  const envOf = (service: string, port: number): Record<string, string> => ({
    ...SERVICE_ENV,
    AMQP_URL,
    DATABASE_URL: databaseUrl,
    BUS_NAMESPACE: namespace,
    ...(service === 'gateway' ? { PORT: String(port) } : { HEALTH_PORT: String(port) }),
  });
  const services = ALL_SERVICES.map((def, i) => {
    const port = def.service === 'gateway' ? GATEWAY_PORT : GATEWAY_PORT + 1 + i;
    // The alert service warns of every agent.session.* event for an alert it does not have (these
    // sessions' alerts were never ingested): its log is left out.
    const stdio = def.service === 'alert' ? 'ignore' : 'inherit';
    return { service: def.service, port, process: startService(def.service, envOf(def.service, port), stdio) };
  });
  const history = services.find((s) => s.service === 'history')!;
  const db = new pg.Client({ connectionString: databaseUrl });
  const broker = new RabbitBroker({ url: AMQP_URL, namespace, logger });
  const api = new Api(`http://127.0.0.1:${GATEWAY_PORT}`, 4);
  let failed = false;
  try {
    await Promise.all(services.map((s) => waitReady(`http://127.0.0.1:${s.port}/health/ready`, s.process)));
    await db.connect();
    await broker.connect();
    const tenants = await createTenants(api, randomBytes(3).toString('hex'), TENANTS, ['alerts:read']);

    // 1. Consumption.
    const consumedSessions = Math.max(LIVE_SESSIONS, Math.ceil((CONSUMED - TENANTS * TIMELINE_STEPS) / STEPS));
    const live = plan(tenants, LIVE_SESSIONS, 0, STEPS);
    const backlog = [
      ...plan(tenants, consumedSessions - LIVE_SESSIONS, LIVE_SESSIONS, STEPS),
      ...plan(tenants, TENANTS, consumedSessions, TIMELINE_STEPS),
    ];
    console.log(
      `\nHistory consumption (distributed: six processes, RabbitMQ + PostgreSQL; agent.* envelopes as the runner's outbox publishes them, ${DUPLICATE_SHARE * 100} % published twice; ${TENANTS} tenants)`,
    );
    const liveRun = await consume(db, broker, history.port, live);
    console.log(
      `  live: ${liveRun.perSecond} interaction events/s persisted (${liveRun.interactions} interactions of ${live.length} sessions in ${liveRun.seconds} s, first publish → last row; published at ${liveRun.publishedPerSecond} envelopes/s while the service consumed)   target ≥ 10000`,
    );
    // The backlog: the service stopped (SIGTERM), the events published, the service started again.
    await stop(history.process);
    const backlogRun = await consume(db, broker, history.port, backlog, async () => {
      history.process = startService('history', envOf('history', history.port));
      await waitReady(`http://127.0.0.1:${history.port}/health/ready`, history.process);
    });
    console.log(
      `  backlog: ${backlogRun.perSecond} interaction events/s persisted (${backlogRun.interactions} interactions of ${backlog.length} sessions, ${TENANTS} of them ${TIMELINE_STEPS} steps long, queued while the service was stopped; its start → last row ${backlogRun.seconds} s)   target ≥ 10000`,
    );
    const all = [...live, ...backlog];
    console.log(`  consumer: live ${outcomeText(liveRun)}; backlog ${outcomeText(backlogRun)}`);
    for (const run of [liveRun, backlogRun])
      if (run.outcomes['dead_lettered'] || run.outcomes['retried']) failed = true;
    const problems = await exactness(db, all);
    const sent = expectedCounts(all);
    console.log(
      `  exactness: ${sent.sessions} sessions, ${sent.llm} LLM and ${sent.mcp} MCP interactions sent (${liveRun.again + backlogRun.again} envelopes sent twice): ${problems.length ? `WRONG: ${problems.join('; ')}` : 'stored = sent, lost 0, duplicates 0, every session its counts and status'}`,
    );
    if (problems.length) failed = true;

    // 2. The data set.
    const seedStarted = performance.now();
    const copied = await bulkCopy(db, SESSIONS);
    await db.query(
      'ANALYZE vigil_history.history_sessions, vigil_history.history_llm_interactions, vigil_history.history_mcp_interactions',
    );
    const total = await counts(db);
    const consumerInteractions = sent.llm + sent.mcp;
    console.log(
      `\nData set: ${total.sessions} sessions, ${total.llm + total.mcp} interactions across ${TENANTS} tenants: ${sent.sessions} sessions and ${consumerInteractions} interactions through the consumer, ${copied.sessions} sessions and ${copied.llm + copied.mcp} interactions copied from them by SQL (${Math.round((performance.now() - seedStarted) / 1000)} s, then ANALYZE)`,
    );
    if (total.llm + total.mcp < INTERACTIONS)
      console.log(
        `  (fewer than the ${INTERACTIONS} interactions asked for: BENCH_HISTORY_SESSIONS × ${STEPS} is below it)`,
      );

    // 3. Latency.
    const timelines = new Map(backlog.filter((s) => s.steps === TIMELINE_STEPS).map((s) => [s.tenant.id, s.sessionId]));
    console.log(
      `\nGET through the gateway, ${REQUESTS} requests each after ${WARMUP_REQUESTS} warm-up, one at a time, the tenants in turn (limit=50):`,
    );
    for (const row of await latencies(api, tenants, timelines)) {
      const target = row.what.startsWith('timeline') ? 30 : 50;
      console.log(
        `  ${row.what.padEnd(48)} p50 ${String(row.p50).padStart(6)} ms   p95 ${String(row.p95).padStart(6)} ms   target < ${target}${row.note ? `   (${row.note})` : ''}`,
      );
    }
  } finally {
    await api.close();
    await broker.close().catch(() => undefined);
    await Promise.all(services.map((s) => stop(s.process)));
    await db.end().catch(() => undefined);
    await removeNamespace(namespace);
  }
  return failed ? 1 : 0;
}

process.exit(await main());
