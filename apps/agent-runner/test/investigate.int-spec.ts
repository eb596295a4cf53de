// The investigation loop and its capture, driven directly: the real model client against a protocol-level
// OpenAI server, real MCP clients over real transports (the standard server-everything from npm over stdio,
// an SDK server over Streamable HTTP and one over stdio that fail on demand), and the session recorder
// writing to an in-memory event sink. Every test checks the exact events the session emits.
// No Vigil service is started: both test modes run the same thing.
import {
  payloadClassOf,
  RoutingKeys,
  validateAs,
  type AlertView,
  type EventOf,
  type TokenUsage,
} from '@vigil/contracts';
import { FakeOpenAI, quietLogger, refusedPort, waitFor, type RecordedChatRequest } from '@vigil/testing';
import { v7 as uuidv7 } from 'uuid';
import type { Agent } from '../src/agents/index.js';
import { investigate, type InvestigationOutcome } from '../src/investigations/investigate.js';
import { CONCLUDE_NOW } from '../src/investigations/prompt.js';
import { SessionRecorder, type SessionEventSink } from '../src/investigations/recorder.js';
import { Budget, LlmClient, type LlmOptions, type Sleep } from '../src/llm/index.js';
import { McpConnections, type McpServerSpec } from '../src/mcp/index.js';
import { HTTP_TOOLS, startHttpToolServer, STDIO_TOOL_SERVER, type HttpToolServer } from './support/http-tool-server.js';
import { EVERYTHING_ENTRY } from './support/everything.js';

const TENANT = 'tenant-investigate';
const MCP_TIMEOUT_MS = 1_000;
const LLM = 'LLM';
const MCP = 'MCP';

// ---- the event sink: the storage port, in memory ---------------------------------------------------

interface Write {
  tenantId: string;
  sessionId: string;
  events: EventOf[];
  lastSequence: number;
}

/** Keeps every successful write; `failing` makes writes throw (a database outage) until it is cleared. */
class MemorySink implements SessionEventSink {
  readonly writes: Write[] = [];
  failures = 0;
  failing: Error | null = null;

  async write(tenantId: string, sessionId: string, events: EventOf[], lastSequence: number): Promise<void> {
    await Promise.resolve();
    if (this.failing) {
      this.failures++;
      throw this.failing;
    }
    this.writes.push({ tenantId, sessionId, events: [...events], lastSequence });
  }

  eventsOf(sessionId: string): EventOf[] {
    return this.writes.filter((write) => write.sessionId === sessionId).flatMap((write) => write.events);
  }
}

// ---- what an investigation is given ----------------------------------------------------------------

const ALERT: AlertView = {
  id: '0192f3a0-5c1e-7d3b-9a4f-2b6c8d0e1f23',
  fingerprint: 'fp-disk-db-1',
  alertType: 'DiskFull',
  severity: 'critical',
  status: 'triggered',
  source: 'alertmanager',
  environment: 'production',
  runbook: '',
  summary: 'Disk 91% full on db-1',
  description: null,
  labels: { namespace: 'payments', pod: 'db-1' },
  annotations: {},
  data: {},
  generatorUrl: null,
  occurrences: 1,
  silenced: false,
  timestamp: '1796210356940000',
  startedAt: '2026-12-02T10:00:00.000000Z',
  lastSeenAt: '2026-12-02T10:00:00.000000Z',
  acknowledged: null,
  resolved: null,
  analysis: null,
  createdAt: '2026-12-02T10:00:00.000000Z',
  updatedAt: '2026-12-02T10:00:00.000000Z',
};

function agentWith(maxIterations = 5): Agent {
  return {
    name: 'storage',
    alertTypes: ['Disk*'],
    systemPrompt: 'You are an SRE. Find the cause.',
    model: 'gpt-4o-mini',
    maxIterations,
    mcpServers: [],
  };
}

/** A sleep that records what it was asked to wait and returns at once. */
function recordingSleep(): Sleep & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(async (ms: number) => void waits.push(ms), { waits });
}

// ---- reading the events ----------------------------------------------------------------------------

type Payload = Record<string, unknown>;

/** An event as `[kind, sequence, step, success]`: the shape of the session's timeline. */
function stepsOf(events: EventOf[]): [string, number, string, boolean][] {
  return events.map((event) => {
    const payload = event.payload as unknown as Payload;
    const kind =
      event.type === RoutingKeys.AgentLlmInteraction
        ? LLM
        : event.type === RoutingKeys.AgentMcpInteraction
          ? MCP
          : event.type;
    return [kind, payload.sequence as number, payload.stepDescription as string, payload.success as boolean];
  });
}

/** The tool_list events come first, one per server, in the order the servers answered: sorted here. */
function listingsFirst(steps: [string, number, string, boolean][], servers: number) {
  const listings = steps.slice(0, servers);
  return [
    ...listings.map(([kind, , step, ok]) => [kind, step, ok]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ...steps.slice(servers).map(([kind, , step, ok]) => [kind, step, ok]),
  ];
}

function payloads(events: EventOf[]): Payload[] {
  return events.map((event) => event.payload as unknown as Payload);
}

function llmPayloads(events: EventOf[]): Payload[] {
  return payloads(events.filter((event) => event.type === RoutingKeys.AgentLlmInteraction));
}

function mcpPayloads(events: EventOf[]): Payload[] {
  return payloads(events.filter((event) => event.type === RoutingKeys.AgentMcpInteraction));
}

/** Every event is valid by its contract, of this session, and numbered 1..n in order. */
function expectWellFormed(events: EventOf[], sessionId: string): void {
  for (const event of events) {
    const valid = validateAs(payloadClassOf(event.type)!, event.payload);
    expect(valid.ok ? [] : valid.problems).toEqual([]);
    expect((event.payload as unknown as Payload).sessionId).toBe(sessionId);
  }
  expect(payloads(events).map((payload) => payload.sequence)).toEqual(events.map((_e, i) => i + 1));
  expect(new Set(payloads(events).map((payload) => payload.interactionId)).size).toBe(events.length);
}

/** The tool messages of a request, as `[tool_call_id, content]`. */
function toolMessages(request: RecordedChatRequest): [string, unknown][] {
  return (request.body.messages ?? [])
    .filter((message) => message.role === 'tool')
    .map((message) => [message.tool_call_id!, message.content]);
}

function toolNames(request: RecordedChatRequest): string[] {
  return ((request.body.tools ?? []) as { function: { name: string } }[]).map((tool) => tool.function.name).sort();
}

// ---- the suite -------------------------------------------------------------------------------------

describe('investigate(): the loop and its capture', () => {
  let fake: FakeOpenAI;
  let http: HttpToolServer;
  let connections: McpConnections;
  let downPort: number;
  let everythingTools: number;

  beforeAll(async () => {
    http = await startHttpToolServer();
    downPort = await refusedPort();
    const specs: McpServerSpec[] = [
      { name: 'everything', transport: 'stdio', command: process.execPath, args: [EVERYTHING_ENTRY, 'stdio'] },
      { name: 'k8s', transport: 'http', url: http.url, timeoutMs: MCP_TIMEOUT_MS },
      // The same server with more patience: its hanging tool outlives a short wall-clock limit.
      { name: 'patient', transport: 'http', url: http.url, timeoutMs: 1_500 },
      { name: 'down', transport: 'http', url: `http://127.0.0.1:${downPort}/mcp`, timeoutMs: 2_000 },
      { name: 'fragile', transport: 'stdio', ...STDIO_TOOL_SERVER, timeoutMs: 5_000 },
    ];
    connections = new McpConnections(specs, { defaultTimeoutMs: 5_000 });
    // Connected once before the tests, as a running agent runner would be: the first handshake of a
    // cold process is no part of what the tests time.
    const [everything] = await Promise.all(
      ['everything', 'k8s', 'patient', 'fragile'].map((server) =>
        waitFor(
          async () => {
            const listing = await connections.listTools(server);
            return listing.ok && listing;
          },
          { what: `the tools of ${server}`, timeoutMs: 25_000 },
        ),
      ),
    );
    everythingTools = everything!.tools.length;
  }, 30_000);

  afterAll(async () => {
    await connections.close();
    await http.stop();
  });

  beforeEach(async () => {
    fake = await FakeOpenAI.start();
    http.calls.length = 0;
  });

  afterEach(() => fake.close());

  interface RunOptions {
    servers?: string[];
    maxIterations?: number;
    toolResultMaxChars?: number;
    llm?: Partial<LlmOptions>;
    sleep?: Sleep;
    budget?: { maxTokens?: number; maxDurationMs?: number };
    interactions?: boolean;
    sink?: MemorySink;
    tenantId?: string;
    /** Runs when the investigation returned, before its events are awaited. */
    beforeDrain?: (sink: MemorySink) => void | Promise<void>;
  }

  interface Run {
    outcome: InvestigationOutcome;
    events: EventOf[];
    sink: MemorySink;
    sessionId: string;
    totals: TokenUsage;
    elapsedMs: number;
  }

  /** One investigation of ALERT, its events written and drained. */
  async function run(options: RunOptions = {}): Promise<Run> {
    const sink = options.sink ?? new MemorySink();
    const sessionId = uuidv7();
    const recorder = new SessionRecorder(options.tenantId ?? TENANT, sessionId, sink, {
      interactions: options.interactions ?? true,
      logger: quietLogger,
      retryDelaysMs: { first: 10, max: 40 },
    });
    const llm = new LlmClient(
      { baseUrl: fake.baseUrl, model: 'gpt-4o-mini', timeoutMs: 5_000, maxRetries: 2, backoffMs: 10, ...options.llm },
      { sleep: options.sleep ?? recordingSleep(), random: () => 0.5 },
    );
    const budget = new Budget({ maxTokens: 100_000, maxDurationMs: 20_000, ...options.budget });
    const started = Date.now();
    try {
      const outcome = await investigate({
        agent: agentWith(options.maxIterations),
        servers: options.servers ?? ['everything', 'k8s'],
        alert: ALERT,
        runbook: null,
        llm,
        tools: connections,
        budget,
        recorder,
        toolResultMaxChars: options.toolResultMaxChars ?? 4_000,
      });
      const elapsedMs = Date.now() - started;
      await options.beforeDrain?.(sink);
      await recorder.drain();
      return { outcome, events: sink.eventsOf(sessionId), sink, sessionId, totals: recorder.totals, elapsedMs };
    } finally {
      budget.dispose();
    }
  }

  const listed = {
    everything: () => [MCP, `Listed the tools of everything (${everythingTools} tools)`, true],
    k8s: [MCP, `Listed the tools of k8s (${HTTP_TOOLS.length} tools)`, true],
  };
  const ASK = 'Asked the model which tools to use';
  const next = (n: number) => `Gave the model ${n} tool result${n === 1 ? '' : 's'} and asked for the next step`;

  it('runs a plain investigation: tools listed, one tool called, an answer; every step an event in order', async () => {
    fake.reply(
      {
        toolCalls: [{ id: 'call_echo', name: 'everything__echo', arguments: { message: 'disk 91% full' } }],
        usage: { prompt_tokens: 410, completion_tokens: 12 },
      },
      { content: 'The disk of db-1 is full of old WAL files.', usage: { prompt_tokens: 455, completion_tokens: 31 } },
    );
    const { outcome, events, sink, sessionId, totals } = await run();

    expect(outcome).toEqual({
      status: 'completed',
      text: 'The disk of db-1 is full of old WAL files.',
      forcedConclusion: false,
      iterations: 2,
    });
    expectWellFormed(events, sessionId);
    expect(listingsFirst(stepsOf(events), 2)).toEqual([
      listed.everything(),
      listed.k8s,
      [LLM, ASK, true],
      [MCP, 'Called everything.echo', true],
      [LLM, next(1), true],
    ]);
    expect(sink.writes.every((write) => write.tenantId === TENANT && write.sessionId === sessionId)).toBe(true);
    expect(Math.max(...sink.writes.map((write) => write.lastSequence))).toBe(5);

    // The listing of the HTTP server, as the history shows it.
    const k8sListing = mcpPayloads(events).find((p) => p.serverName === 'k8s')!;
    expect(k8sListing).toMatchObject({
      communicationType: 'tool_list',
      result: { tools: HTTP_TOOLS.map((tool) => ({ name: tool.name, description: tool.description })) },
    });
    expect(k8sListing.toolName).toBeUndefined();

    const [first, second] = llmPayloads(events);
    // Token usage is what the provider reported, never an estimate.
    expect(first).toMatchObject({
      model: 'gpt-4o-mini',
      response: '',
      toolCalls: [{ id: 'call_echo', name: 'everything__echo', arguments: { message: 'disk 91% full' } }],
      tokens: { prompt: 410, completion: 12, total: 422 },
    });
    expect((first!.messages as Payload[]).map((message) => message.role)).toEqual(['system', 'user']);
    expect((first!.messages as Payload[])[1]!.content).toContain('alertType: DiskFull\n');
    expect(second).toMatchObject({
      response: 'The disk of db-1 is full of old WAL files.',
      tokens: { prompt: 455, completion: 31, total: 486 },
    });
    expect(second!.toolCalls).toBeUndefined();
    expect((second!.messages as Payload[]).map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
    ]);
    expect(mcpPayloads(events).find((p) => p.communicationType === 'tool_call')).toMatchObject({
      serverName: 'everything',
      toolName: 'echo',
      arguments: { message: 'disk 91% full' },
      result: { text: 'Echo: disk 91% full' },
    });
    expect(totals).toEqual({ prompt: 865, completion: 43, total: 908 });

    // What the model was sent: every tool of both servers, never a streamed request, then the result.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.map((request) => request.body.stream ?? false)).toEqual([false, false]);
    expect(toolNames(fake.requests[0]!)).toHaveLength(everythingTools + HTTP_TOOLS.length);
    expect(toolNames(fake.requests[0]!)).toEqual(expect.arrayContaining(['everything__echo', 'k8s__pods_list']));
    expect(toolMessages(fake.requests[1]!)).toEqual([['call_echo', 'Echo: disk 91% full']]);
  });

  it('runs parallel tool calls at once and gives both results back in one request', async () => {
    // Each call waits for the other to arrive: run one after the other, they would both time out.
    let arrived = 0;
    let bothIn!: () => void;
    const barrier = new Promise<void>((resolve) => (bothIn = resolve));
    http.behave('pods_list', async (args) => {
      if (++arrived === 2) bothIn();
      await barrier;
      return `3 pods in ${String(args.namespace)}, all Running`;
    });
    fake.reply(
      {
        toolCalls: [
          { id: 'call_a', name: 'k8s__pods_list', arguments: { namespace: 'payments' } },
          { id: 'call_b', name: 'k8s__pods_list', arguments: { namespace: 'ledger' } },
        ],
      },
      { content: 'Both namespaces are healthy.' },
    );
    const { outcome, events, sessionId } = await run({ servers: ['k8s'] });

    expect(outcome).toEqual({
      status: 'completed',
      text: 'Both namespaces are healthy.',
      forcedConclusion: false,
      iterations: 2,
    });
    expectWellFormed(events, sessionId);
    expect(stepsOf(events).map(([kind, , step, ok]) => [kind, step, ok])).toEqual([
      listed.k8s,
      [LLM, ASK, true],
      [MCP, 'Called k8s.pods_list', true],
      [MCP, 'Called k8s.pods_list', true],
      [LLM, next(2), true],
    ]);
    expect(
      mcpPayloads(events)
        .filter((p) => p.communicationType === 'tool_call')
        .map((p) => [p.arguments, p.result])
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      [{ namespace: 'ledger' }, { text: '3 pods in ledger, all Running' }],
      [{ namespace: 'payments' }, { text: '3 pods in payments, all Running' }],
    ]);
    expect(http.calls).toHaveLength(2);
    expect(fake.requests).toHaveLength(2);
    const assistant = fake.requests[1]!.body.messages!.find((message) => message.role === 'assistant')!;
    expect((assistant.tool_calls as { id: string }[]).map((call) => call.id)).toEqual(['call_a', 'call_b']);
    expect(toolMessages(fake.requests[1]!)).toEqual([
      ['call_a', '3 pods in payments, all Running'],
      ['call_b', '3 pods in ledger, all Running'],
    ]);
  });

  it('answers malformed arguments and an unknown tool to the model as tool errors, and goes on', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      {
        toolCalls: [
          { id: 'call_bad', name: 'k8s__pods_list', arguments: '{"namespace": ' },
          { id: 'call_unknown', name: 'kubectl_delete', arguments: { pod: 'db-1' } },
          { id: 'call_good', name: 'k8s__pods_list', arguments: { namespace: 'payments' } },
        ],
      },
      { toolCalls: [{ id: 'call_fixed', name: 'k8s__pods_list', arguments: { namespace: 'payments' } }] },
      { content: 'db-1 runs.' },
    );
    const { outcome, events, sessionId } = await run({ servers: ['k8s'] });

    expect(outcome).toEqual({ status: 'completed', text: 'db-1 runs.', forcedConclusion: false, iterations: 3 });
    expectWellFormed(events, sessionId);
    // Only the well-formed calls reach the server, and only they are MCP exchanges.
    expect(stepsOf(events).map(([kind, , step, ok]) => [kind, step, ok])).toEqual([
      listed.k8s,
      [LLM, ASK, true],
      [MCP, 'Called k8s.pods_list', true],
      [LLM, next(3), true],
      [MCP, 'Called k8s.pods_list', true],
      [LLM, next(1), true],
    ]);
    expect(http.calls).toEqual([
      { name: 'pods_list', args: { namespace: 'payments' } },
      { name: 'pods_list', args: { namespace: 'payments' } },
    ]);
    // The model's turn records the malformed call with its raw arguments and what is wrong with them.
    expect(llmPayloads(events)[0]!.toolCalls).toEqual([
      { id: 'call_unknown', name: 'kubectl_delete', arguments: { pod: 'db-1' } },
      { id: 'call_good', name: 'k8s__pods_list', arguments: { namespace: 'payments' } },
      { id: 'call_bad', name: 'k8s__pods_list', arguments: '{"namespace": ', error: expect.any(String) },
    ]);
    const answers = Object.fromEntries(toolMessages(fake.requests[1]!));
    expect(Object.keys(answers).sort()).toEqual(['call_bad', 'call_good', 'call_unknown']);
    expect(answers.call_good).toBe('db-1 Running');
    expect(answers.call_bad).toMatch(
      // LangChain's parse error, then the raw arguments.
      /^error: the call was not run: [\s\S]*not valid JSON[\s\S]*: \{"namespace": \. Call the tool again with a JSON object as arguments\.$/,
    );
    expect(answers.call_unknown).toBe(
      'error: there is no tool named "kubectl_delete"; the tools are: k8s__pods_list, k8s__logs, k8s__hang',
    );
    expect(toolMessages(fake.requests[2]!).at(-1)).toEqual(['call_fixed', 'db-1 Running']);
  });

  it('cuts a tool result over toolResultMaxChars with a marker, for the model and in the event alike', async () => {
    const log = 'E'.repeat(5_000);
    http.behave('logs', () => log);
    fake.reply({ toolCalls: [{ id: 'call_logs', name: 'k8s__logs', arguments: {} }] }, { content: 'Errors.' });
    const { outcome, events, sessionId } = await run({ servers: ['k8s'], toolResultMaxChars: 200 });

    expect(outcome.status).toBe('completed');
    expectWellFormed(events, sessionId);
    const cut = `${'E'.repeat(159)}\n[truncated: 4841 of 5000 characters cut]`;
    expect(cut).toHaveLength(200);
    expect(toolMessages(fake.requests[1]!)).toEqual([['call_logs', cut]]);
    expect(mcpPayloads(events)[1]).toMatchObject({ toolName: 'logs', result: { text: cut }, success: true });
    expect(llmPayloads(events)[1]!.messages).toContainEqual({ role: 'tool', content: cut, toolCallId: 'call_logs' });
  });

  it('masks secrets in tool results before the model and every event see them', async () => {
    const secrets = [
      'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl',
      'hunter2-prod-7',
      'MIIEowIBAAKCAQEAx9kq3Zfakefakefake',
      'QWERTYfakekeymaterialQWERTY==',
      'YWRtaW4tdXNlcg==',
      'czNjcjN0LXZhbHVl',
      'Sup3rS3cret',
    ];
    http.behave('logs', () =>
      [
        `GET /api/v1/orders -> 401; sent Authorization: Bearer ${secrets[0]}`,
        `config loaded: DB_PASSWORD=${secrets[1]} pool=10`,
        `-----BEGIN RSA PRIVATE KEY-----\n${secrets[2]}\n${secrets[3]}\n-----END RSA PRIVATE KEY-----`,
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: db-credentials',
        'data:',
        `  username: ${secrets[4]}`,
        `  dbpass: ${secrets[5]}`,
        'type: Opaque',
        `DATABASE_URL=postgres://orders:${secrets[6]}@db-1.payments:5432/orders`,
      ].join('\n'),
    );
    http.behave('pods_list', () => {
      throw new Error(`cannot reach postgres://orders:${secrets[6]}@db-1.payments:5432/orders`);
    });
    fake.reply(
      {
        toolCalls: [
          { id: 'call_logs', name: 'k8s__logs', arguments: {} },
          { id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } },
        ],
      },
      { content: 'The orders service lost its database credentials.' },
    );
    const { outcome, events, sessionId } = await run({ servers: ['k8s'] });

    expect(outcome.status).toBe('completed');
    expectWellFormed(events, sessionId);
    const masked = [
      'GET /api/v1/orders -> 401; sent Authorization: Bearer [REDACTED]',
      'config loaded: DB_PASSWORD=[REDACTED] pool=10',
      '-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----',
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db-credentials',
      'data:',
      '  username: [REDACTED]',
      '  dbpass: [REDACTED]',
      'type: Opaque',
      'DATABASE_URL=postgres://orders:[REDACTED]@db-1.payments:5432/orders',
    ].join('\n');
    const failure = 'MCP error -32603: cannot reach postgres://orders:[REDACTED]@db-1.payments:5432/orders';
    expect(Object.fromEntries(toolMessages(fake.requests[1]!))).toEqual({
      call_logs: masked,
      call_pods: `error: ${failure}`,
    });
    const calls = mcpPayloads(events).filter((p) => p.communicationType === 'tool_call');
    expect(calls.find((p) => p.toolName === 'logs')).toMatchObject({ success: true, result: { text: masked } });
    expect(calls.find((p) => p.toolName === 'pods_list')).toMatchObject({
      success: false,
      error: failure,
      result: { text: failure },
    });
    // Not in any request to the model, nor anywhere in any event.
    const everything = JSON.stringify({ requests: fake.requests.map((r) => r.body), events });
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('gives the model an error a tool reported once, as "error: <text>", and records it the same', async () => {
    http.behave('logs', () => ({ reportedError: 'namespace kube-system is off limits' }));
    fake.reply({ toolCalls: [{ id: 'call_logs', name: 'k8s__logs', arguments: {} }] }, { content: 'Forbidden.' });
    const { outcome, events, sessionId } = await run({ servers: ['k8s'] });

    expect(outcome).toMatchObject({ status: 'completed', text: 'Forbidden.' });
    expectWellFormed(events, sessionId);
    expect(toolMessages(fake.requests[1]!)).toEqual([['call_logs', 'error: namespace kube-system is off limits']]);
    expect(mcpPayloads(events)[1]).toMatchObject({
      toolName: 'logs',
      success: false,
      error: 'namespace kube-system is off limits',
      result: { text: 'namespace kube-system is off limits' },
    });
  });

  it('stops at maxIterations with one forced answer asked without tools', async () => {
    http.behave('pods_list', (args) => `pods of ${String(args.namespace)}: Running`);
    let turn = 0;
    fake.respondWith((request) =>
      request.body.tools
        ? { toolCalls: [{ id: `call_${++turn}`, name: 'k8s__pods_list', arguments: { namespace: `ns-${turn}` } }] }
        : { content: 'Out of steps: db-1 looks full, not verified.' },
    );
    const { outcome, events, sessionId } = await run({ servers: ['k8s'], maxIterations: 2 });

    expect(outcome).toEqual({
      status: 'completed',
      text: 'Out of steps: db-1 looks full, not verified.',
      forcedConclusion: true,
      iterations: 3,
    });
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, true],
      [MCP, 3, 'Called k8s.pods_list', true],
      [LLM, 4, next(1), true],
      [MCP, 5, 'Called k8s.pods_list', true],
      [LLM, 6, 'Asked the model to conclude without tools', true],
    ]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.map((request) => request.body.tools === undefined)).toEqual([false, false, true]);
    expect(fake.requests[2]!.body.messages!.at(-1)).toEqual({ role: 'user', content: CONCLUDE_NOW });
    expect(toolMessages(fake.requests[2]!)).toEqual([
      ['call_1', 'pods of ns-1: Running'],
      ['call_2', 'pods of ns-2: Running'],
    ]);
  });

  it('records a server that is down, a tool that hangs and a server that crashes mid-call, and completes', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      {
        toolCalls: [
          { id: 'call_hang', name: 'k8s__hang', arguments: {} },
          { id: 'call_crash', name: 'fragile__crash', arguments: {} },
          { id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } },
        ],
      },
      { content: 'db-1 runs; two tools failed.' },
    );
    const { outcome, events, sessionId } = await run({ servers: ['k8s', 'down', 'fragile'] });

    expect(outcome).toEqual({
      status: 'completed',
      text: 'db-1 runs; two tools failed.',
      forcedConclusion: false,
      iterations: 2,
    });
    expectWellFormed(events, sessionId);
    const steps = stepsOf(events).map(([kind, , step, ok]) => [kind, step, ok]);
    const byStep = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));
    expect(steps.slice(0, 3).sort(byStep)).toEqual([
      [MCP, 'Could not list the tools of down', false],
      [MCP, 'Listed the tools of fragile (3 tools)', true],
      listed.k8s,
    ]);
    expect(steps[3]).toEqual([LLM, ASK, true]);
    expect(steps.slice(4, 7).sort(byStep)).toEqual([
      [MCP, 'Called fragile.crash', false],
      [MCP, 'Called k8s.hang', false],
      [MCP, 'Called k8s.pods_list', true],
    ]);
    expect(steps.slice(7)).toEqual([[LLM, next(3), true]]);

    const mcp = mcpPayloads(events);
    expect(mcp.find((p) => p.serverName === 'down')).toMatchObject({
      communicationType: 'tool_list',
      success: false,
      error: `connection refused (127.0.0.1:${downPort})`,
    });
    const crashed = 'MCP error -32000: Connection closed (stderr: fatal: the tool crashed)';
    expect(mcp.find((p) => p.toolName === 'crash')).toMatchObject({ success: false, error: crashed });
    const hung = mcp.find((p) => p.toolName === 'hang')!;
    expect(hung).toMatchObject({ success: false, error: `timeout after ${MCP_TIMEOUT_MS} ms` });
    expect(hung.durationMs).toBeGreaterThanOrEqual(MCP_TIMEOUT_MS - 1);
    http.releaseHanging();

    // The model is told of the down server's absence by its tool list, and of each failure by its answer.
    expect(toolNames(fake.requests[0]!)).toEqual([
      'fragile__crash',
      'fragile__echo',
      'fragile__hang',
      'k8s__hang',
      'k8s__logs',
      'k8s__pods_list',
    ]);
    expect(Object.fromEntries(toolMessages(fake.requests[1]!))).toEqual({
      call_hang: `error: timeout after ${MCP_TIMEOUT_MS} ms`,
      call_crash: `error: ${crashed}`,
      call_pods: 'db-1 Running',
    });

    // The next investigation finds the crashed stdio server started again.
    fake.reply(
      { toolCalls: [{ id: 'call_echo', name: 'fragile__echo', arguments: { message: 'back' } }] },
      { content: 'It is back.' },
    );
    const again = await run({ servers: ['fragile'] });
    expect(again.outcome).toMatchObject({ status: 'completed', text: 'It is back.' });
    expect(stepsOf(again.events)).toEqual([
      [MCP, 1, 'Listed the tools of fragile (3 tools)', true],
      [LLM, 2, ASK, true],
      [MCP, 3, 'Called fragile.echo', true],
      [LLM, 4, next(1), true],
    ]);
    expect(mcpPayloads(again.events)[1]!.result).toEqual({ text: 'echo: back' });
  });

  it('retries a 429 after its Retry-After: one failed and one successful model exchange, then on', async () => {
    fake.reply(
      { status: 429, retryAfterSeconds: 2 },
      { content: 'Nothing to do.', usage: { prompt_tokens: 50, completion_tokens: 4 } },
    );
    const sleep = recordingSleep();
    const { outcome, events, sessionId, totals } = await run({ servers: ['k8s'], sleep });

    expect(outcome).toEqual({ status: 'completed', text: 'Nothing to do.', forcedConclusion: false, iterations: 1 });
    expect(sleep.waits).toEqual([2_000]);
    expect(fake.requests).toHaveLength(2);
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, false],
      [LLM, 3, ASK, true],
    ]);
    const [limited, answered] = llmPayloads(events);
    expect(limited).toMatchObject({ success: false, error: expect.stringMatching(/^429 Rate limit reached\n/) });
    expect(limited!.tokens).toBeUndefined();
    expect(limited!.response).toBeUndefined();
    expect(answered).toMatchObject({ success: true, tokens: { prompt: 50, completion: 4, total: 54 } });
    expect(answered!.error).toBeUndefined();
    // Both attempts sent the same conversation.
    expect(limited!.messages).toEqual(answered!.messages);
    expect(totals).toEqual({ prompt: 50, completion: 4, total: 54 });
  });

  it('honours Retry-After on a 503 as on a 429', async () => {
    fake.reply(
      { status: 503, message: 'overloaded', retryAfterSeconds: 3 },
      { content: 'Nothing to do.', usage: { prompt_tokens: 50, completion_tokens: 4 } },
    );
    const sleep = recordingSleep();
    const { outcome, events } = await run({ servers: ['k8s'], sleep });

    expect(outcome).toEqual({ status: 'completed', text: 'Nothing to do.', forcedConclusion: false, iterations: 1 });
    expect(sleep.waits).toEqual([3_000]);
    expect(llmPayloads(events).map((payload) => payload.success)).toEqual([false, true]);
  });

  it('counts no tokens for an answer without usage, and its events stay valid', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      { toolCalls: [{ id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } }], usage: null },
      { content: 'All pods run.', usage: null },
    );
    const { outcome, events, sessionId, totals } = await run({ servers: ['k8s'], budget: { maxTokens: 1_000 } });

    expect(outcome).toEqual({ status: 'completed', text: 'All pods run.', forcedConclusion: false, iterations: 2 });
    expectWellFormed(events, sessionId);
    expect(llmPayloads(events).map((payload) => payload.tokens)).toEqual([undefined, undefined]);
    expect(totals).toEqual({ prompt: 0, completion: 0, total: 0 });
  });

  it('fails the investigation with a clear error when the model hangs past the per-call timeout', async () => {
    fake.reply({ hang: true }, { content: 'never asked' });
    const { outcome, events, sessionId, elapsedMs } = await run({ servers: ['k8s'], llm: { timeoutMs: 300 } });

    expect(outcome).toEqual({
      status: 'failed',
      error: `the model call failed: no answer within 300 ms from ${fake.baseUrl}`,
      iterations: 1,
    });
    expect(elapsedMs).toBeLessThan(3_000);
    expect(fake.requests).toHaveLength(1);
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, false],
    ]);
    // The exchange carries the client's own words for the cut-off call; the outcome says why it was cut.
    expect(llmPayloads(events)[0]).toMatchObject({ success: false, error: 'Request was aborted.' });
    expect(llmPayloads(events)[0]!.durationMs).toBeGreaterThanOrEqual(290);
  });

  it('asks for a conclusion without tools once the token budget is spent', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      {
        toolCalls: [{ id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } }],
        usage: { prompt_tokens: 900, completion_tokens: 150 },
      },
      { content: 'Concluded early.', usage: { prompt_tokens: 960, completion_tokens: 20 } },
    );
    const { outcome, events, sessionId, totals } = await run({
      servers: ['k8s'],
      maxIterations: 8,
      budget: { maxTokens: 1_000 },
    });

    expect(outcome).toEqual({ status: 'completed', text: 'Concluded early.', forcedConclusion: true, iterations: 2 });
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, true],
      [MCP, 3, 'Called k8s.pods_list', true],
      [LLM, 4, 'Asked the model to conclude without tools', true],
    ]);
    expect(fake.requests.map((request) => request.body.tools === undefined)).toEqual([false, true]);
    expect(totals).toEqual({ prompt: 1_860, completion: 170, total: 2_030 });
  });

  it('fails the investigation at the wall-clock limit, cancelling the model call in flight', async () => {
    fake.reply({ hang: true });
    const { outcome, events, sessionId, elapsedMs } = await run({ servers: ['k8s'], budget: { maxDurationMs: 800 } });

    expect(outcome).toEqual({ status: 'failed', error: 'the investigation ran past 800 ms', iterations: 1 });
    expect(elapsedMs).toBeGreaterThanOrEqual(790);
    expect(elapsedMs).toBeLessThan(3_000);
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, false],
    ]);
  });

  it('fails the investigation when the wall-clock limit passes during a tool call, cancelling the call', async () => {
    fake.reply({ toolCalls: [{ id: 'call_hang', name: 'patient__hang', arguments: {} }] }, { content: 'never asked' });
    const { outcome, events, sessionId } = await run({ servers: ['patient'], budget: { maxDurationMs: 700 } });
    http.releaseHanging();

    expect(outcome).toMatchObject({ status: 'failed', iterations: 1 });
    expect((outcome as { error: string }).error).toMatch(/^wall-clock limit reached: \d+ of 700 ms$/);
    expect(fake.requests).toHaveLength(1);
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, 'Listed the tools of patient (3 tools)', true],
      [LLM, 2, ASK, true],
      [MCP, 3, 'Called patient.hang', false],
    ]);
    // Cancelled at the limit, not left to run into the server's own 1500 ms timeout.
    expect(mcpPayloads(events)[1]!.error).toBe('cancelled: the investigation ran past 700 ms');
  });

  it('emits no model or tool exchange with interactions off (HISTORY_ENABLED=false), and still counts tokens', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      {
        toolCalls: [{ id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } }],
        usage: { prompt_tokens: 100, completion_tokens: 10 },
      },
      { content: 'Fine.', usage: { prompt_tokens: 120, completion_tokens: 5 } },
    );
    const { outcome, sink, totals } = await run({ servers: ['k8s'], interactions: false });

    expect(outcome).toEqual({ status: 'completed', text: 'Fine.', forcedConclusion: false, iterations: 2 });
    expect(sink.writes).toEqual([]);
    expect(totals).toEqual({ prompt: 220, completion: 15, total: 235 });
    expect(http.calls).toHaveLength(1);
  });

  it('does not wait for an event store that is down, and delivers every event in order once it is back', async () => {
    http.behave('pods_list', () => 'db-1 Running');
    fake.reply(
      { toolCalls: [{ id: 'call_pods', name: 'k8s__pods_list', arguments: { namespace: 'payments' } }] },
      { content: 'Fine.' },
    );
    const sink = new MemorySink();
    sink.failing = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const { outcome, events, sessionId } = await run({
      servers: ['k8s'],
      sink,
      beforeDrain: (store) => {
        // The investigation is over while nothing could be written.
        expect(store.writes).toEqual([]);
        expect(store.failures).toBeGreaterThan(0);
        store.failing = null;
      },
    });

    expect(outcome).toMatchObject({ status: 'completed', text: 'Fine.' });
    expectWellFormed(events, sessionId);
    expect(stepsOf(events)).toEqual([
      [MCP, 1, listed.k8s[1], true],
      [LLM, 2, ASK, true],
      [MCP, 3, 'Called k8s.pods_list', true],
      [LLM, 4, next(1), true],
    ]);
    // Each write says the last sequence it holds, so the session's progress is never ahead of its events.
    for (const write of sink.writes)
      expect(write.lastSequence).toBe(
        Math.max(...write.events.map((e) => (e.payload as unknown as Payload).sequence as number)),
      );
  });

  it("keeps each tenant's session events apart when investigations run at once", async () => {
    http.behave('pods_list', (args) => `pods of ${String(args.namespace)}`);
    fake.respondWith((request) =>
      request.body.messages!.some((message) => message.role === 'tool')
        ? { content: 'done' }
        : { toolCalls: [{ name: 'k8s__pods_list', arguments: { namespace: 'payments' } }] },
    );
    const sink = new MemorySink();
    const [a, b] = await Promise.all([
      run({ servers: ['k8s'], sink, tenantId: 'tenant-a' }),
      run({ servers: ['k8s'], sink, tenantId: 'tenant-b' }),
    ]);

    for (const [session, tenant] of [
      [a, 'tenant-a'],
      [b, 'tenant-b'],
    ] as const) {
      expect(session.outcome).toMatchObject({ status: 'completed', text: 'done' });
      expectWellFormed(session.events, session.sessionId);
      expect(session.events).toHaveLength(4);
      // Every write of the session names its tenant, and only its tenant.
      const tenants = sink.writes.filter((write) => write.sessionId === session.sessionId).map((w) => w.tenantId);
      expect(tenants.length).toBeGreaterThan(0);
      expect(new Set(tenants)).toEqual(new Set([tenant]));
    }
  });
});
