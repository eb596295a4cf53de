import net from 'node:net';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { FakeOpenAI, waitFor } from '@vigil/testing';
import { LlmClient, LlmError, type Sleep } from '../src/llm/index.js';

const TOOL = {
  type: 'function' as const,
  function: {
    name: 'pods_list',
    description: 'Lists the pods of a namespace',
    parameters: { type: 'object', properties: { namespace: { type: 'string' } }, required: ['namespace'] },
  },
};

/** A sleep that records what it was asked to wait and returns at once. */
function recordingSleep(): Sleep & { waits: number[] } {
  const waits: number[] = [];
  return Object.assign(async (ms: number) => void waits.push(ms), { waits });
}

describe('LlmClient against an OpenAI-compatible server', () => {
  let fake: FakeOpenAI;

  beforeEach(async () => {
    fake = await FakeOpenAI.start({ apiKey: 'sk-test' });
  });

  afterEach(() => fake.close());

  const client = (extra: Partial<ConstructorParameters<typeof LlmClient>[0]> = {}, sleep?: Sleep) =>
    new LlmClient(
      { baseUrl: fake.baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini', ...extra },
      { sleep, random: () => 0.5 },
    );

  it('answers in text with the token usage the provider reported', async () => {
    fake.reply({ content: 'The pod is out of memory.', usage: { prompt_tokens: 12, completion_tokens: 7 } });
    const answer = await client().invoke([new SystemMessage('You are an SRE.'), new HumanMessage('Why?')]);
    expect(answer.message.content).toBe('The pod is out of memory.');
    expect(answer.usage).toEqual({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
    expect(answer.toolCalls).toEqual([]);
    expect(answer.attempts).toBe(1);
    expect(answer.model).toBe('gpt-4o-mini');
    const [request] = fake.requests;
    expect(request!.headers.authorization).toBe('Bearer sk-test');
    expect(request!.body.model).toBe('gpt-4o-mini');
    expect(request!.body.stream).toBeFalsy();
    expect(request!.body.tools).toBeUndefined();
    expect(request!.body.messages).toEqual([
      { role: 'system', content: 'You are an SRE.' },
      { role: 'user', content: 'Why?' },
    ]);
  });

  it('binds tools and returns a tool call with its arguments; an agent may name its own model', async () => {
    fake.reply({ toolCalls: [{ id: 'call_a', name: 'pods_list', arguments: { namespace: 'shop' } }] });
    const answer = await client().invoke([new HumanMessage('Look')], { tools: [TOOL], model: 'llama3' });
    expect(answer.toolCalls).toEqual([
      { id: 'call_a', name: 'pods_list', args: { namespace: 'shop' }, type: 'tool_call' },
    ]);
    expect(answer.model).toBe('llama3');
    expect(fake.requests[0]!.body.model).toBe('llama3');
    expect(fake.requests[0]!.body.tools).toEqual([TOOL]);
  });

  it('returns parallel tool calls, and malformed arguments as invalid tool calls', async () => {
    fake.reply({
      toolCalls: [
        { id: 'call_1', name: 'pods_list', arguments: { namespace: 'a' } },
        { id: 'call_2', name: 'pods_list', arguments: { namespace: 'b' } },
        { id: 'call_3', name: 'pods_list', arguments: '{"namespace": ' },
      ],
    });
    const answer = await client().invoke([new HumanMessage('Look')], { tools: [TOOL] });
    expect(answer.toolCalls.map((call) => [call.id, call.args])).toEqual([
      ['call_1', { namespace: 'a' }],
      ['call_2', { namespace: 'b' }],
    ]);
    expect(answer.invalidToolCalls.map((call) => [call.id, call.name, call.args])).toEqual([
      ['call_3', 'pods_list', '{"namespace": '],
    ]);
  });

  it('waits as long as Retry-After asks after a 429, then succeeds', async () => {
    fake.reply({ status: 429, retryAfterSeconds: 7 }, { content: 'ok' });
    const sleep = recordingSleep();
    const answer = await client({}, sleep).invoke([new HumanMessage('hi')]);
    expect(answer.message.content).toBe('ok');
    expect(answer.attempts).toBe(2);
    expect(sleep.waits).toEqual([7000]);
    expect(fake.requests).toHaveLength(2);
  });

  it('really waits out Retry-After between the two requests', async () => {
    fake.reply({ status: 429, retryAfterSeconds: 1 }, { content: 'ok' });
    const started = Date.now();
    const answer = await client().invoke([new HumanMessage('hi')]);
    expect(answer.message.content).toBe('ok');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('fails at once when Retry-After asks for more than it will wait', async () => {
    fake.reply({ status: 429, retryAfterSeconds: 120 }, { content: 'never asked' });
    const sleep = recordingSleep();
    const error = await client({}, sleep)
      .invoke([new HumanMessage('hi')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, attempts: 1 });
    expect((error as Error).message).toBe('rate limited; the provider asks to wait 120000 ms');
    expect(sleep.waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 500 with backoff and fails after the retry limit', async () => {
    fake.reply({ status: 500 }, { status: 500 }, { status: 500 }, { content: 'too late' });
    const sleep = recordingSleep();
    const error = await client({ maxRetries: 2, backoffMs: 100 }, sleep)
      .invoke([new HumanMessage('hi')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'server_error', status: 500, attempts: 3 });
    // Doubling from 100 ms, half of each wait fixed and half random (0.5 here).
    expect(sleep.waits).toEqual([75, 150]);
    expect(fake.requests).toHaveLength(3);
  });

  it('gives up on a hanging server after the per-call timeout, without retrying', async () => {
    fake.reply({ hang: true }, { content: 'never asked' });
    const started = Date.now();
    const error = await client({ timeoutMs: 300 })
      .invoke([new HumanMessage('hi')])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect((error as Error).message).toBe(`no answer within 300 ms from ${fake.baseUrl}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a refused connection and then says it could not reach the endpoint', async () => {
    const gone = await FakeOpenAI.start();
    const baseUrl = gone.baseUrl;
    await gone.close();
    const sleep = recordingSleep();
    const error = await new LlmClient({ baseUrl, model: 'm', maxRetries: 1, backoffMs: 10 }, { sleep, random: () => 0 })
      .invoke([new HumanMessage('hi')])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'connection', attempts: 2 });
    expect((error as Error).message).toMatch(new RegExp(`^could not reach ${baseUrl}: `));
    expect(sleep.waits).toEqual([5]);
  });

  it('does not retry a refused call (401)', async () => {
    const sleep = recordingSleep();
    const error = await client({ apiKey: 'sk-wrong' }, sleep)
      .invoke([new HumanMessage('hi')])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rejected', status: 401, attempts: 1 });
    expect(sleep.waits).toEqual([]);
  });

  it('stops waiting to retry when the investigation is cancelled', async () => {
    fake.reply({ status: 500 }, { content: 'never asked' });
    const controller = new AbortController();
    const pending = client({ backoffMs: 60_000, maxBackoffMs: 60_000 })
      .invoke([new HumanMessage('hi')], { signal: controller.signal })
      .catch((e: unknown) => e);
    // The first answer is in when its request is recorded; the client is then in its backoff.
    await waitFor(() => fake.requests.length === 1, { what: 'the first request' });
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'aborted' });
    expect(fake.requests).toHaveLength(1);
  });
});

describe('LlmClient with the network unreachable', () => {
  const realFetch = globalThis.fetch;
  const realConnect = net.Socket.prototype.connect;
  const attempted: string[] = [];
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await FakeOpenAI.start();
    // Everything but 127.0.0.1 fails at once, as in a cluster without egress, and is recorded: at
    // fetch, and below it at every TCP connection (node:http, https, undici, whatever a library uses).
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      if (url.hostname !== '127.0.0.1') {
        attempted.push(url.toString());
        throw new TypeError(`fetch failed: ${url.hostname} is unreachable`);
      }
      return realFetch(input, init);
    }) as typeof fetch;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const [first, second] = args;
      const host =
        typeof first === 'object' && first !== null && !Array.isArray(first)
          ? (first as { host?: string; path?: string }).path
            ? '127.0.0.1'
            : (first as { host?: string }).host
          : typeof first === 'number'
            ? (second as string | undefined)
            : '127.0.0.1'; // a path: a local socket
      if (!['127.0.0.1', '::1', 'localhost', undefined].includes(host)) {
        attempted.push(`tcp://${host}`);
        process.nextTick(() => this.destroy(new Error(`connect ${host}: the network is unreachable`)));
        return this;
      }
      return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    net.Socket.prototype.connect = realConnect;
    await fake.close();
  });

  it('refuses a connection beyond 127.0.0.1 at the socket, whatever client makes it (the guard works)', async () => {
    const before = attempted.length;
    const { request } = await import('node:https');
    const failed = await new Promise<Error>((resolve) =>
      request('https://tiktoken.pages.dev/js/o200k_base.json', (res) => res.resume())
        .on('error', resolve)
        .end(),
    );
    // Refused before any name lookup: the socket is asked to connect to the name.
    expect(failed.message).toBe('connect tiktoken.pages.dev: the network is unreachable');
    expect(attempted.slice(before)).toEqual(['tcp://tiktoken.pages.dev']);
    attempted.length = before;
  });

  it('makes no request beyond the endpoint, through a tool-call turn, with a streaming-minded handler', async () => {
    // A callback handler that prefers streaming would make LangChain stream, and count tokens.
    class StreamingMinded extends BaseCallbackHandler {
      name = 'streaming-minded';
      lc_prefer_streaming = true;
      tokens = 0;
      override handleLLMNewToken() {
        this.tokens++;
      }
    }
    const handler = new StreamingMinded();
    fake.reply(
      { toolCalls: [{ id: 'call_x', name: 'pods_list', arguments: { namespace: 'shop' } }] },
      { content: 'The shop pods are fine.', usage: { prompt_tokens: 30, completion_tokens: 6 } },
    );
    const llm = new LlmClient({ baseUrl: fake.baseUrl, model: 'gpt-4o-mini', maxRetries: 0, timeoutMs: 5000 });
    const started = Date.now();
    // Without a handler, a streaming model estimates tokens with downloaded tokenizer data; with the
    // streaming-minded one, LangChain would stream: both turns are covered.
    const first = await llm.invoke([new HumanMessage('Check the shop')], { tools: [TOOL] });
    expect(first.toolCalls.map((call) => call.args)).toEqual([{ namespace: 'shop' }]);
    expect(first.usage).toEqual({ inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    const second = await llm.invoke(
      [
        new HumanMessage('Check the shop'),
        new AIMessage({ content: '', tool_calls: first.toolCalls }),
        new ToolMessage({ content: '3 pods Running', tool_call_id: 'call_x' }),
      ],
      { tools: [TOOL], callbacks: [handler] },
    );
    expect(second.message.content).toBe('The shop pods are fine.');
    expect(second.usage).toEqual({ inputTokens: 30, outputTokens: 6, totalTokens: 36 });
    expect(attempted).toEqual([]);
    expect(fake.requests.map((request) => request.body.stream ?? false)).toEqual([false, false]);
    expect(fake.requests[1]!.body.messages!.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(handler.tokens).toBe(0);
    // Offline, a tokenizer download would have stalled the calls for seconds of retries.
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
