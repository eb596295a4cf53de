// Agent benchmark (`npm run bench:agent`): the agent runner against a zero-latency scripted model
// (an OpenAI-compatible chat-completions server, non-streaming, as the runner calls it) and a local
// MCP server built with the SDK over Streamable HTTP.
//   1. Capture overhead, in one process, same run: one LlmClient (the runner's model client) and
//      McpConnections (its MCP clients), each call timed with capture off and on, interleaved. "On" is
//      the session recorder's LangChain callback handler attached to the model call, or its listener
//      told of the MCP exchange, and the agent.* event built and queued. The sink behind the recorder
//      is in memory and resolves at once: what is measured is the capture on the call path (the outbox
//      write happens beside it, off the path, and is measured in part 2). A third side for the model
//      call attaches a LangChain handler that does nothing, which tells LangChain's own callback cost
//      from the capture's. Prints p50/p99 per call for each side, the p99 added (target < 1 ms), and
//      the time spent inside the capture itself (the handler's callbacks, the listener).
//   2. 200 concurrent investigations across 2 agent-runner replicas, distributed: the alert service
//      and two agent-runner processes, each its real entry point (dist/apps/<app>/src/main.js) with
//      the default settings except the model's address, the agents file (one HTTP MCP server), the
//      shared secrets key and AGENT_MAX_CONCURRENCY (100 per replica, so all 200 run at once), over
//      RabbitMQ (a messaging namespace of its own) and PostgreSQL (database `vigil_bench_agent`,
//      recreated). 200 alerts from 4 tenants are published at once as ingest.alerts.received; each
//      becomes alert.created and one investigation of 10 steps: the tool list, 4 rounds of
//      model → tool call, and the model's final answer. A consumer bound to `agent.#` counts every
//      event: each session must be exactly started(0), 10 interactions (1..10), completed(11), with
//      what the model and the tool answered. Printed: envelopes delivered twice (same id), duplicate
//      events (another id for a session and sequence), losses and mismatches; wall time,
//      investigations/s, events/s, session duration p50/p99, CPU seconds per process. The replica of
//      each session is told by the MCP server from a header the agents file sets per replica
//      (`${BENCH_REPLICA}`).
//   Exits non-zero when an event is lost, delivered twice, duplicated or differs from what was sent.
// Env: AMQP_URL, DATABASE_URL (server; the bench uses its own database on it), BENCH_CAPTURE_CALLS
// (2000 per side), BENCH_INVESTIGATIONS (200), BENCH_AGENT_CONCURRENCY (100 per replica),
// BENCH_SKIP_CAPTURE=1, BENCH_SKIP_DISTRIBUTED=1.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import pg from 'pg';
import { pino } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { parseIsoMicros, RoutingKeys, type Envelope, type EventOf } from '@vigil/contracts';
import { DEFAULT_RETRY_DELAYS_MS, RabbitBroker, VigilBusClient } from '@vigil/messaging';
import { LlmClient } from '../apps/agent-runner/src/llm/index.js';
import { McpConnections, type McpServerSpec } from '../apps/agent-runner/src/mcp/index.js';
import { SessionRecorder, type SessionEventSink } from '../apps/agent-runner/src/investigations/recorder.js';
import { ToolCatalog } from '../apps/agent-runner/src/investigations/tool-catalog.js';
import { FakeOpenAI, type ChatReply, type RecordedChatRequest } from '../libs/testing/src/fakes/openai.js';
import { LOOKUP_TOOL, lookupAnswer, REPLICA_HEADER, startBenchMcpServer } from './support/agent-mcp-server.js';
import { AMQP_URL, killedOnExit, percentile, recreateDatabase, root, round, stop } from './support/system.js';

const CAPTURE_CALLS = Number(process.env.BENCH_CAPTURE_CALLS ?? 2_000);
const INVESTIGATIONS = Number(process.env.BENCH_INVESTIGATIONS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_AGENT_CONCURRENCY ?? 100);
const WARMUP_CALLS = 300;
const TENANTS = 4;
const REPLICAS = 2;
/** Rounds of model → tool call before the final answer: with the tool list and the answer, 10 steps. */
const TOOL_ROUNDS = 4;
const SERVER = 'bench';
const TOOL_FUNCTION = `${SERVER}__${LOOKUP_TOOL.name}`;
const EVENTS_QUEUE_SERVICE = 'bench-agent-events';
const BASE_PORT = 3390;
const logger = pino({ level: 'warn' });

/** The events of one session, in sequence order: started, tool list, 4 × (model, tool), model, completed. */
const EXPECTED_TYPES = [
  RoutingKeys.AgentSessionStarted,
  RoutingKeys.AgentMcpInteraction,
  ...Array.from({ length: TOOL_ROUNDS }, () => [
    RoutingKeys.AgentLlmInteraction,
    RoutingKeys.AgentMcpInteraction,
  ]).flat(),
  RoutingKeys.AgentLlmInteraction,
  RoutingKeys.AgentSessionCompleted,
];
const STEPS = EXPECTED_TYPES.length - 2;

const ms = (n: number) => `${round(n, 3).toFixed(3)} ms`;

// ---- 1. capture overhead --------------------------------------------------------------------------

const MODEL_ANSWER = 'The pod ran out of memory: its limit is below its working set.';

/**
 * The recorder's sink, in memory: each write resolves at once. It checks each event as it comes and
 * keeps only counts (holding thousands of events would load the garbage collector, which the outbox
 * does not: it writes them away).
 */
class CheckingSink implements SessionEventSink {
  llm = 0;
  mcp = 0;
  /** Events whose content is not what the model or the tool answered. */
  wrong = 0;
  /** The last sequence seen, and whether every one followed the one before. */
  sequence = 0;
  contiguous = true;

  write(_tenantId: string, _sessionId: string, events: EventOf[]): Promise<void> {
    for (const event of events) {
      const payload = event.payload as { sequence: number; response?: string; result?: { text?: string } };
      if (payload.sequence !== this.sequence + 1) this.contiguous = false;
      this.sequence = payload.sequence;
      if (event.type === RoutingKeys.AgentLlmInteraction) {
        this.llm++;
        if (payload.response !== MODEL_ANSWER) this.wrong++;
      } else if (event.type === RoutingKeys.AgentMcpInteraction) {
        this.mcp++;
        if (payload.result?.text !== lookupAnswer('bench', 1)) this.wrong++;
      } else this.wrong++;
    }
    return Promise.resolve();
  }
}

type Timings = Record<string, number[]>;

/**
 * `calls` rounds, each timing one call of every side, the order reversed every other round so no side
 * always gets the warm slot; each side's times sorted.
 */
async function interleaved(sides: Record<string, () => Promise<unknown>>, calls: number): Promise<Timings> {
  const names = Object.keys(sides);
  const times: Timings = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  for (let i = 0; i < calls; i++)
    for (const name of i % 2 === 0 ? names : [...names].reverse()) {
      const begin = performance.now();
      await sides[name]!();
      times[name]!.push(performance.now() - begin);
    }
  for (const name of names) times[name]!.sort((a, b) => a - b);
  return times;
}

const p50p99 = (sorted: readonly number[]) => [percentile(sorted, 50), percentile(sorted, 99)] as const;

function overheadRow(what: string, times: Timings, bases: readonly string[] = ['off']): string {
  const cells = Object.entries(times).map(([side, sorted]) => {
    const [p50, p99] = p50p99(sorted);
    return `${side} p50 ${ms(p50)} p99 ${ms(p99)}`;
  });
  const [on50, on99] = p50p99(times.on!);
  const added = bases.map((base) => {
    const [p50, p99] = p50p99(times[base]!);
    return `on − ${base}: p50 ${ms(on50 - p50)} p99 ${ms(on99 - p99)}`;
  });
  return `  ${what}: ${cells.join(';  ')}\n    added ${added.join(';  ')}`;
}

/** The handler with the time spent in its start and end callbacks added up per call, into `times`. */
function timedHandler(handler: BaseCallbackHandler, times: number[]): BaseCallbackHandler {
  const methods = handler as unknown as Record<string, (...args: unknown[]) => unknown>;
  const spent = new Map<unknown, number>();
  const start = methods.handleChatModelStart!.bind(handler);
  const end = methods.handleLLMEnd!.bind(handler);
  methods.handleChatModelStart = (...args) => {
    const begin = performance.now();
    start(...args);
    spent.set(args[2], performance.now() - begin);
  };
  methods.handleLLMEnd = (...args) => {
    const begin = performance.now();
    end(...args);
    times.push((spent.get(args[1]) ?? 0) + performance.now() - begin);
    spent.delete(args[1]);
  };
  return handler;
}

/** A LangChain callback handler that does nothing: what LangChain's callbacks cost without any capture. */
class EmptyHandler extends BaseCallbackHandler {
  override name = 'empty';
  override awaitHandlers = true;
}

async function captureOverhead(): Promise<boolean> {
  const fake = (await FakeOpenAI.start()).respondWith(() => ({ content: MODEL_ANSWER }));
  fake.forgetRequests = true;
  const mcp = await startBenchMcpServer();
  const spec: McpServerSpec = { name: SERVER, transport: 'http', url: mcp.url };
  const sink = new CheckingSink();
  const recorder = new SessionRecorder('bench-tenant', uuidv7(), sink, { interactions: true, logger });
  const inCapture = { llm: [] as number[], mcp: [] as number[] };
  const plain = new McpConnections([spec]);
  const captured = new McpConnections([spec], {
    listener: (exchange) => {
      const begin = performance.now();
      recorder.recordMcp(exchange, `Called ${exchange.server}.${exchange.tool}`);
      inCapture.mcp.push(performance.now() - begin);
    },
  });
  try {
    const llm = new LlmClient({ baseUrl: fake.baseUrl, model: 'gpt-4o-mini' });
    // One investigation's model call: the system prompt, the alert, one tool bound; the handler is
    // made once per session and given to each of its calls, as the runner does.
    const tools = new ToolCatalog([{ server: SERVER, tools: [LOOKUP_TOOL] }]).definitions();
    const messages = [
      new SystemMessage('You are an SRE investigating an alert.'),
      new HumanMessage(
        'Investigate this alert. Every field it carries:\nalertType: PodCrashLooping\nseverity: critical\nlabels.pod: api-1\nlabels.namespace: payments',
      ),
    ];
    const callbacks = [timedHandler(recorder.llmHandler(), inCapture.llm)];
    const llmOff = () => llm.invoke(messages, { tools });
    // LangChain's callback machinery alone: a handler that does nothing, attached the same way.
    const empty = [new EmptyHandler()];
    const llmEmpty = () =>
      llm.invoke(messages, { tools, callbacks: empty, metadata: { vigilStep: 'Asked the model which tools to use' } });
    const llmOn = () =>
      llm.invoke(messages, { tools, callbacks, metadata: { vigilStep: 'Asked the model which tools to use' } });
    const args = { alert: 'bench', step: 1 };
    const mcpOff = () => plain.callTool(SERVER, LOOKUP_TOOL.name, args);
    const mcpOn = () => captured.callTool(SERVER, LOOKUP_TOOL.name, args);

    const llmSides = { off: llmOff, 'empty handler': llmEmpty, on: llmOn };
    const mcpSides = { off: mcpOff, on: mcpOn };
    await interleaved(llmSides, WARMUP_CALLS); // JIT, keep-alive connections, LangChain's lazy imports
    await interleaved(mcpSides, WARMUP_CALLS);
    inCapture.llm.length = 0;
    inCapture.mcp.length = 0;
    const llmTimes = await interleaved(llmSides, CAPTURE_CALLS);
    const mcpTimes = await interleaved(mcpSides, CAPTURE_CALLS);
    await recorder.drain();

    // Exactness: one event per captured call, and what it holds is what the model and the tool answered.
    const expectedEach = WARMUP_CALLS + CAPTURE_CALLS;
    console.log(
      `\nCapture overhead per call (one process; zero-latency scripted model and SDK MCP server over Streamable HTTP on 127.0.0.1;\n  ${CAPTURE_CALLS} calls each side, interleaved, after ${WARMUP_CALLS} warm-up rounds; "on" = the recorder's handler/listener and the event queued, sink in memory;\n  "empty handler" = a LangChain handler that does nothing, attached the same way: LangChain's own callback cost)`,
    );
    console.log(overheadRow('LLM call', llmTimes, ['off', 'empty handler']));
    console.log(overheadRow('MCP call', mcpTimes));
    console.log('  target: p99 added < 1 ms');
    const inside = (times: number[]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return `p50 ${ms(percentile(sorted, 50))}  p99 ${ms(percentile(sorted, 99))}`;
    };
    console.log(
      `  time in the capture itself per call (the handler's start + end callbacks / the listener): LLM ${inside(inCapture.llm)}   MCP ${inside(inCapture.mcp)}`,
    );
    console.log(
      `  captured: ${sink.llm} llm events of ${expectedEach} captured calls, ${sink.mcp} mcp events of ${expectedEach}; ${sink.wrong} differ from what the model or the tool answered; sequences 1..${sink.sequence} ${sink.contiguous ? 'contiguous' : 'NOT contiguous'}`,
    );
    return (
      sink.llm === expectedEach &&
      sink.mcp === expectedEach &&
      sink.wrong === 0 &&
      sink.contiguous &&
      sink.sequence === 2 * expectedEach
    );
  } finally {
    await plain.close();
    await captured.close();
    await mcp.stop();
    await fake.close();
  }
}

// ---- 2. 200 concurrent investigations across 2 replicas -------------------------------------------

const finalAnswer = (marker: string) => `Bench alert ${marker}: the pod ran out of memory; raise its limit.`;

/**
 * The scripted model: each conversation is answered from its own messages. The alert's `bench_alert`
 * label (in the prompt) names it; fewer than 4 tool results so far: call `lookup` once more; else answer.
 */
function scriptedTurn(request: RecordedChatRequest): ChatReply {
  const messages = request.body.messages ?? [];
  const text = messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  const marker = /^labels\.bench_alert: (\S+)$/m.exec(text)?.[1];
  if (!marker) return { status: 500, message: 'no labels.bench_alert in the conversation' };
  const results = messages.filter((m) => m.role === 'tool').length;
  if (results < TOOL_ROUNDS)
    return { toolCalls: [{ name: TOOL_FUNCTION, arguments: { alert: marker, step: results + 1 } }] };
  return { content: finalAnswer(marker) };
}

function agentsFile(dir: string, mcpUrl: string): string {
  const file = path.join(dir, 'agents.yaml');
  writeFileSync(
    file,
    [
      'mcpServers:',
      `  ${SERVER}:`,
      '    transport: http',
      `    url: ${JSON.stringify(mcpUrl)}`,
      `    headers: { ${REPLICA_HEADER}: "\${BENCH_REPLICA}" }`,
      'agents:',
      '  - name: general',
      '    alertTypes: []',
      '    systemPrompt: You are an SRE investigating an alert.',
      `    mcpServers: [${SERVER}]`,
      'defaultAgent: general',
      '',
    ].join('\n'),
  );
  return file;
}

interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

function startProcess(name: string, app: string, port: number, env: Record<string, string>): Proc {
  const child = killedOnExit(
    spawn(process.execPath, [path.join(root, `dist/apps/${app}/src/main.js`)], {
      env: { ...process.env, ...env, HEALTH_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  // Kept (the tail) for the error message if it stops; warnings and errors go on to the console.
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-20_000);
    process.stderr.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, port, child, output: () => text };
}

async function waitReady(proc: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const url = `http://127.0.0.1:${proc.port}/health/ready`;
  for (;;) {
    if (proc.child.exitCode !== null)
      throw new Error(`${proc.name} exited with ${proc.child.exitCode} before it was ready:\n${proc.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name}: ${url} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** User + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the name), in clock ticks (100 a second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface AgentPayload {
  sessionId: string;
  sequence: number;
  alertData?: { labels?: Record<string, string> };
  toolCalls?: { name: string; arguments: unknown }[];
  response?: string;
  communicationType?: string;
  arguments?: unknown;
  result?: { text?: string };
  success?: boolean;
  finalAnalysis?: string;
  startedAt?: string;
  completedAt?: string;
}

/** Every agent.* event received, by session; the checks of part 2 read it. */
class EventCounter {
  /** When each envelope id first arrived. */
  readonly ids = new Map<string, number>();
  /** Deliveries of an envelope id already received, and how long after the first each came (ms). */
  redelivered = 0;
  readonly redeliveredAfterMs: number[] = [];
  received = 0;
  lastAt = 0;
  readonly sessions = new Map<string, { tenantId: string; events: Envelope<AgentPayload>[] }>();
  readonly completed = new Set<string>();

  add(envelope: Envelope<AgentPayload>): void {
    this.received++;
    this.lastAt = performance.now();
    // The same envelope again (the outbox relay publishes at least once): counted, kept out of the sessions.
    const first = this.ids.get(envelope.id);
    if (first !== undefined) {
      this.redelivered++;
      this.redeliveredAfterMs.push(this.lastAt - first);
      return;
    }
    this.ids.set(envelope.id, this.lastAt);
    const { sessionId } = envelope.payload;
    let session = this.sessions.get(sessionId);
    if (!session) this.sessions.set(sessionId, (session = { tenantId: envelope.tenantId, events: [] }));
    session.events.push(envelope);
    if (envelope.type === RoutingKeys.AgentSessionCompleted || envelope.type === RoutingKeys.AgentSessionFailed)
      this.completed.add(sessionId);
  }
}

interface SessionCheck {
  marker?: string;
  /** Two different envelopes for one session and sequence. */
  duplicates: number;
  lost: number;
  /** Wrong type at a sequence, another tenant's envelope, or content that differs from what was sent. */
  mismatched: string[];
  durationMs?: number;
}

/** One session against what was sent: sequences 0..11 once each, the expected types, the model's and the tool's answers. */
function checkSession(
  session: { tenantId: string; events: Envelope<AgentPayload>[] },
  tenantOf: Map<string, string>,
): SessionCheck {
  const bySequence = new Map<number, Envelope<AgentPayload>[]>();
  for (const e of session.events)
    bySequence.set(e.payload.sequence, [...(bySequence.get(e.payload.sequence) ?? []), e]);
  const check: SessionCheck = { duplicates: 0, lost: 0, mismatched: [] };
  for (const [sequence, events] of bySequence) {
    check.duplicates += events.length - 1;
    if (sequence < 0 || sequence >= EXPECTED_TYPES.length) check.mismatched.push(`unexpected sequence ${sequence}`);
  }
  const at = (sequence: number) => bySequence.get(sequence)?.[0];
  check.marker = at(0)?.payload.alertData?.labels?.bench_alert;
  const marker = check.marker ?? '?';
  if (check.marker && tenantOf.get(check.marker) !== session.tenantId)
    check.mismatched.push(`tenant ${session.tenantId} for alert ${marker} of ${tenantOf.get(marker)}`);
  EXPECTED_TYPES.forEach((type, sequence) => {
    const event = at(sequence);
    if (!event) return void check.lost++;
    const p = event.payload;
    if (event.type !== type) return void check.mismatched.push(`#${sequence} is ${event.type}, expected ${type}`);
    if (event.tenantId !== session.tenantId) check.mismatched.push(`#${sequence} in tenant ${event.tenantId}`);
    if (type === RoutingKeys.AgentLlmInteraction) {
      const step = sequence / 2; // model calls are 2, 4, 6, 8 (tool calls asked for) and 10 (the answer)
      const expected =
        step <= TOOL_ROUNDS
          ? JSON.stringify([{ name: TOOL_FUNCTION, arguments: { alert: marker, step } }])
          : JSON.stringify(finalAnswer(marker));
      const got =
        step <= TOOL_ROUNDS
          ? JSON.stringify((p.toolCalls ?? []).map((c) => ({ name: c.name, arguments: c.arguments })))
          : JSON.stringify(p.response);
      if (got !== expected) check.mismatched.push(`#${sequence} model: ${got}, sent ${expected}`);
    }
    if (type === RoutingKeys.AgentMcpInteraction && sequence > 1) {
      const step = (sequence - 1) / 2;
      if (
        p.communicationType !== 'tool_call' ||
        JSON.stringify(p.arguments) !== JSON.stringify({ alert: marker, step }) ||
        p.result?.text !== lookupAnswer(marker, step) ||
        p.success !== true
      )
        check.mismatched.push(`#${sequence} tool call: ${JSON.stringify(p)}`);
    }
    if (type === RoutingKeys.AgentMcpInteraction && sequence === 1 && p.communicationType !== 'tool_list')
      check.mismatched.push(`#1 is ${p.communicationType}, expected tool_list`);
    if (type === RoutingKeys.AgentSessionCompleted && p.finalAnalysis !== finalAnswer(marker))
      check.mismatched.push(`analysis ${JSON.stringify(p.finalAnalysis)}`);
  });
  const startedAt = at(0)?.payload.startedAt;
  const completedAt = at(EXPECTED_TYPES.length - 1)?.payload.completedAt;
  const [from, to] = [startedAt && parseIsoMicros(startedAt), completedAt && parseIsoMicros(completedAt)];
  if (from && to) check.durationMs = Number(to - from) / 1000;
  return check;
}

async function distributedRun(): Promise<boolean> {
  const databaseUrl = await recreateDatabase('vigil_bench_agent');
  const namespace = `vigil-bench-agent-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-agent-'));
  let llmCalls = 0;
  const model = (await FakeOpenAI.start()).respondWith((request) => {
    llmCalls++;
    return scriptedTurn(request);
  });
  model.forgetRequests = true;
  const mcp = await startBenchMcpServer();
  const broker = new RabbitBroker({ url: AMQP_URL, namespace, logger, connectionName: 'vigil-bench-agent' });
  await broker.connect();
  const counter = new EventCounter();
  // The counting consumer: a queue of its own in the namespace, bound to every agent.* event.
  await broker.declareService({
    service: EVENTS_QUEUE_SERVICE,
    bindings: ['agent.#'],
    retryDelaysMs: [],
    events: true,
    rpc: false,
  });
  const consumer = await broker.consume(broker.names.serviceQueue(EVENTS_QUEUE_SERVICE), (delivery) => {
    counter.add(JSON.parse(delivery.body.toString('utf8')) as Envelope<AgentPayload>);
    delivery.ack();
  });
  const secretsKey = `k1:${randomBytes(32).toString('base64url')}`;
  const common = {
    VIGIL_MODE: 'distributed',
    AMQP_URL,
    DATABASE_URL: databaseUrl,
    BUS_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
  };
  const procs: Proc[] = [];
  try {
    // The alert service first (it answers the runner's alert lookups); then the two replicas.
    procs.push(startProcess('alert', 'alert', BASE_PORT, common));
    await waitReady(procs[0]!);
    const agentsConfig = agentsFile(dir, mcp.url);
    for (let r = 1; r <= REPLICAS; r++)
      procs.push(
        startProcess(`agent-runner ${r}`, 'agent-runner', BASE_PORT + r, {
          ...common,
          OPENAI_BASE_URL: model.baseUrl,
          AGENTS_CONFIG: agentsConfig,
          SECRETS_KEY: secretsKey,
          AGENT_MAX_CONCURRENCY: String(CONCURRENCY),
          BENCH_REPLICA: `replica-${r}`,
        }),
      );
    await Promise.all(procs.slice(1).map((p) => waitReady(p)));

    const client = new VigilBusClient(broker, { service: 'gateway', rpcTimeoutMs: 10_000, logger });
    const run = randomBytes(3).toString('hex');
    const tenantOf = new Map<string, string>();
    const alerts = Array.from({ length: INVESTIGATIONS }, (_, i) => {
      const marker = `${run}-${i}`;
      const tenantId = `bench-agent-${run}-${i % TENANTS}`;
      tenantOf.set(marker, tenantId);
      return { marker, tenantId };
    });
    console.log(
      `\n${INVESTIGATIONS} investigations of ${STEPS} steps (tool list, ${TOOL_ROUNDS} × model → tool call, final answer) across ${REPLICAS} agent-runner replicas\n  (distributed: alert service + ${REPLICAS} agent-runner processes, RabbitMQ + PostgreSQL; AGENT_MAX_CONCURRENCY ${CONCURRENCY} per replica; ${TENANTS} tenants; zero-latency model and MCP server)`,
    );
    const cpuBefore = process.cpuUsage();
    const procCpuBefore = procs.map((p) => cpuSeconds(p.child.pid));
    const started = performance.now();
    await Promise.all(
      alerts.map(({ marker, tenantId }) =>
        client.publish(RoutingKeys.IngestAlertsReceived, {
          tenantId,
          payload: {
            source: 'api',
            alerts: [
              {
                alertId: uuidv7(),
                fingerprint: `bench-${marker}`,
                alertType: 'PodOOMKilled',
                runbook: 'Look at the memory limit and the working set.',
                severity: 'critical',
                timestamp: String(Date.now() * 1000),
                environment: 'production',
                status: 'firing',
                labels: { pod: `api-${marker}`, bench_alert: marker },
                data: {},
              },
            ],
          },
        }),
      ),
    );
    const published = performance.now() - started;

    const expectedEvents = INVESTIGATIONS * EXPECTED_TYPES.length;
    const deadline = Date.now() + 240_000;
    // Every session closed, then the events still on their way: a session's closing event can come
    // before its last steps (separate outbox batches), so a lost step is waited for at most 10 s.
    let closedAt: number | undefined;
    while (counter.completed.size < INVESTIGATIONS || counter.ids.size < expectedEvents) {
      for (const p of procs)
        if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.output()}`);
      if (counter.completed.size >= INVESTIGATIONS) closedAt ??= Date.now();
      if (Date.now() > deadline || (closedAt !== undefined && Date.now() > closedAt + 10_000)) {
        console.log(
          `  not finished: ${counter.completed.size} sessions closed of ${INVESTIGATIONS}, ${counter.ids.size} distinct events of ${expectedEvents}`,
        );
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (counter.lastAt - started) / 1000;

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const outboxRows = async () =>
      Number((await db.query<{ n: string }>('SELECT COUNT(*) AS n FROM vigil_agent_runner.outbox')).rows[0]!.n);
    // A second copy can only come from a row still in the outbox (the sweep publishes before it
    // deletes, under a row lock): once the runners' outbox is empty, what is on its way arrives within 1 s.
    const drainDeadline = Date.now() + 30_000;
    while ((await outboxRows()) > 0 && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_000));

    const checks = [...counter.sessions.values()].map((session) => checkSession(session, tenantOf));
    const sessionsOf = new Map<string, number>();
    for (const c of checks) if (c.marker) sessionsOf.set(c.marker, (sessionsOf.get(c.marker) ?? 0) + 1);
    const notInvestigated = alerts.filter((a) => !sessionsOf.has(a.marker)).length;
    const investigatedTwice = [...sessionsOf.values()].filter((n) => n > 1).length;
    const duplicates = checks.reduce((n, c) => n + c.duplicates, 0);
    const lost = checks.reduce((n, c) => n + c.lost, 0) + notInvestigated * EXPECTED_TYPES.length;
    const mismatched = checks.filter((c) => c.mismatched.length);
    const durations = checks
      .map((c) => c.durationMs)
      .filter((d): d is number => d !== undefined)
      .sort((a, b) => a - b);
    // The replica of each session, from the header its MCP calls came with.
    const replicaOf = new Map<string, Set<string>>();
    for (const call of mcp.calls)
      replicaOf.set(call.alert, new Set([...(replicaOf.get(call.alert) ?? []), call.replica]));
    const perReplica = new Map<string, number>();
    for (const replicas of replicaOf.values()) {
      const key = [...replicas].sort().join('+');
      perReplica.set(key, (perReplica.get(key) ?? 0) + 1);
    }

    const rows = (
      await db.query<{ status: string; n: string }>(
        'SELECT status, COUNT(*) AS n FROM vigil_agent_runner.investigations GROUP BY status ORDER BY status',
      )
    ).rows;
    const outboxLeft = await outboxRows();
    await db.end();
    const cpu = procs.map((p, i) => `${p.name} ${round(cpuSeconds(p.child.pid) - procCpuBefore[i]!)} s`);
    const own = process.cpuUsage(cpuBefore);

    console.log(
      `  wall: ${round(seconds, 2)} s from the first alert published to the last event received (publishing the ${INVESTIGATIONS} took ${round(published)} ms)`,
    );
    console.log(
      `  throughput: ${round(INVESTIGATIONS / seconds)} investigations/s, ${Math.round(counter.received / seconds)} events/s`,
    );
    console.log(
      `  session duration (started → completed): p50 ${round(percentile(durations, 50))} ms, p99 ${round(percentile(durations, 99))} ms, max ${round(durations.at(-1) ?? NaN)} ms (${durations.length} sessions)`,
    );
    console.log(
      `  CPU time from the first alert published to the end: ${cpu.join(', ')}; this process (scripted model, MCP server, counting) ${round((own.user + own.system) / 1e6)} s`,
    );
    console.log(
      `  sessions per replica (from the MCP calls' replica header): ${[...perReplica.entries()]
        .sort()
        .map(([replica, n]) => `${replica} ${n}`)
        .join(', ')}`,
    );
    console.log(
      `  model calls answered: ${llmCalls} (expected ${INVESTIGATIONS * (TOOL_ROUNDS + 1)}); MCP tool calls: ${mcp.calls.length} (expected ${INVESTIGATIONS * TOOL_ROUNDS}); investigations stored: ${rows.map((r) => `${r.status} ${r.n}`).join(', ')}`,
    );
    console.log(
      `  events: ${counter.ids.size} distinct received of ${expectedEvents} expected (${EXPECTED_TYPES.length} per session, sequences 0..${EXPECTED_TYPES.length - 1}), ${counter.received} deliveries; sessions ${counter.sessions.size} for ${INVESTIGATIONS} alerts; outbox rows left ${outboxLeft}`,
    );
    console.log(
      `  exact: delivered twice ${counter.redelivered} (same envelope id again${counter.redelivered ? `, the second copy ${round(Math.min(...counter.redeliveredAfterMs) / 1000, 2)}–${round(Math.max(...counter.redeliveredAfterMs) / 1000, 2)} s after the first` : ''}), duplicates ${duplicates} (another envelope for a session+sequence), lost ${lost}, sessions with content differing from what was sent ${mismatched.length}, alerts not investigated ${notInvestigated}, investigated twice ${investigatedTwice}`,
    );
    for (const c of mismatched.slice(0, 5)) console.log(`    ${c.marker}: ${c.mismatched.slice(0, 3).join('; ')}`);
    return (
      duplicates === 0 &&
      counter.redelivered === 0 &&
      lost === 0 &&
      mismatched.length === 0 &&
      notInvestigated === 0 &&
      investigatedTwice === 0 &&
      counter.ids.size === expectedEvents
    );
  } finally {
    await Promise.all(procs.map((p) => stop(p.child)));
    await consumer.close().catch(() => undefined);
    for (const service of ['alert', 'agent-runner', EVENTS_QUEUE_SERVICE])
      for (const queue of broker.names.queuesOf(service, DEFAULT_RETRY_DELAYS_MS))
        await broker.deleteQueue(queue).catch(() => undefined);
    await broker.deleteExchange(broker.names.events).catch(() => undefined);
    await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
    await broker.close();
    await mcp.stop();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

let exact = true;
if (process.env.BENCH_SKIP_CAPTURE !== '1') exact = (await captureOverhead()) && exact;
if (process.env.BENCH_SKIP_DISTRIBUTED !== '1') exact = (await distributedRun()) && exact;
if (!exact) console.log('\nFAILED: events were lost, duplicated or differ from what was sent (see above)');
process.exit(exact ? 0 : 1);
