import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer, pathOf, sendJson } from './http-server.js';

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ScriptedToolCall {
  /** Default `call_<n>`. */
  id?: string;
  name: string;
  /** JSON text, or a value to serialise. */
  arguments: string | object;
}

/** One scripted answer, used by one request, in order. */
export type ChatReply =
  /** `usage: null`: the answer carries no usage at all, as some OpenAI-compatible servers send. */
  | { content: string; usage?: TokenUsage | null }
  | { toolCalls: ScriptedToolCall[]; content?: string; usage?: TokenUsage | null }
  | { status: 429; retryAfterSeconds?: number }
  | { status: 500 | 503; message?: string; retryAfterSeconds?: number }
  /** Never answers: the request stays open until the client gives up or the fake closes. */
  | { hang: true };

/** A chat completion request as received: the parsed body, and the headers. */
export interface RecordedChatRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: {
    model?: string;
    messages?: { role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }[];
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    tools?: unknown[];
    [key: string]: unknown;
  };
}

const DEFAULT_USAGE: TokenUsage = { prompt_tokens: 10, completion_tokens: 5 };

/**
 * An OpenAI-compatible chat server: POST /v1/chat/completions (also /chat/completions) answers from a
 * script, as JSON or, with `stream: true`, as server-sent chunks ending in `data: [DONE]`; GET /v1/models.
 * `baseUrl` is what an OpenAI client takes (…/v1). With `apiKey`, other bearer tokens get 401.
 */
export class FakeOpenAI {
  readonly requests: RecordedChatRequest[] = [];
  private readonly script: ChatReply[] = [];
  private responder: ((request: RecordedChatRequest) => ChatReply | Promise<ChatReply>) | undefined;
  private calls = 0;

  private http!: LocalHttpServer;

  private constructor(
    readonly models: string[],
    private readonly apiKey?: string,
  ) {}

  static async start(options: { apiKey?: string; models?: string[] } = {}): Promise<FakeOpenAI> {
    const fake = new FakeOpenAI(options.models ?? ['gpt-4o-mini'], options.apiKey);
    fake.http = await LocalHttpServer.start((req, res, raw) => fake.handle(req, res, raw));
    return fake;
  }

  get baseUrl(): string {
    return `${this.http.origin}/v1`;
  }

  /** Adds answers to the script; each request takes the next one (none left: a 500 saying so). */
  reply(...replies: ChatReply[]): this {
    this.script.push(...replies);
    return this;
  }

  /**
   * Answers every request with `respond(request)` instead of the script: for many conversations at once,
   * each answered from its own messages (e.g. by counting its tool results).
   */
  respondWith(respond: (request: RecordedChatRequest) => ChatReply | Promise<ChatReply>): this {
    this.responder = respond;
    return this;
  }

  /** Keeps no copy of the requests (long benchmarks). */
  forgetRequests = false;

  close(): Promise<void> {
    return this.http.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const path = pathOf(req);
    if (this.apiKey && req.headers.authorization !== `Bearer ${this.apiKey}`)
      return sendJson(res, 401, {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      });
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models'))
      return sendJson(res, 200, {
        object: 'list',
        data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
      });
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions'))
      return sendJson(res, 404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });

    let body: RecordedChatRequest['body'];
    try {
      body = JSON.parse(raw) as RecordedChatRequest['body'];
    } catch {
      return sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    const request = { path, headers: req.headers, body };
    if (!this.forgetRequests) this.requests.push(request);
    const reply = this.responder ? await this.responder(request) : this.script.shift();
    if (!reply)
      return sendJson(res, 500, { error: { message: 'the fake has no scripted reply left', type: 'server_error' } });
    if ('hang' in reply) return;
    if ('status' in reply && reply.status === 429)
      return sendJson(
        res,
        429,
        { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': String(reply.retryAfterSeconds ?? 1) },
      );
    if ('status' in reply)
      return sendJson(
        res,
        reply.status,
        { error: { message: reply.message ?? 'The server had an error', type: 'server_error' } },
        reply.retryAfterSeconds === undefined ? {} : { 'retry-after': String(reply.retryAfterSeconds) },
      );
    this.answer(res, body, reply);
  }

  private answer(
    res: ServerResponse,
    body: RecordedChatRequest['body'],
    reply: Extract<ChatReply, { usage?: TokenUsage | null }>,
  ): void {
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? this.models[0]!;
    const used = reply.usage === null ? undefined : (reply.usage ?? DEFAULT_USAGE);
    const usage = used && { ...used, total_tokens: used.prompt_tokens + used.completion_tokens };
    const toolCalls =
      'toolCalls' in reply
        ? reply.toolCalls.map((call, i) => ({
            id: call.id ?? `call_${++this.calls}`,
            type: 'function' as const,
            function: {
              name: call.name,
              arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
            },
            index: i,
          }))
        : undefined;
    const content = reply.content ?? null;
    const finish = toolCalls ? 'tool_calls' : 'stop';

    if (!body.stream) {
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content,
              refusal: null,
              ...(toolCalls ? { tool_calls: toolCalls.map(({ index: _index, ...call }) => call) } : {}),
            },
            logprobs: null,
            finish_reason: finish,
          },
        ],
        usage,
      });
    }

    const includeUsage = body.stream_options?.include_usage === true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (choices: unknown[], extra: object = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`,
      );
    const delta = (d: object, finishReason: string | null = null) =>
      chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finishReason }]);
    delta({ role: 'assistant', content: toolCalls && content === null ? null : '' });
    // Text in pieces of a few characters, as a real stream arrives.
    for (const piece of (content ?? '').match(/[\s\S]{1,8}/g) ?? []) delta({ content: piece });
    for (const call of toolCalls ?? []) {
      delta({
        tool_calls: [
          { index: call.index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      });
      for (const piece of call.function.arguments.match(/[\s\S]{1,16}/g) ?? [])
        delta({ tool_calls: [{ index: call.index, function: { arguments: piece } }] });
    }
    delta({}, finish);
    if (includeUsage) chunk([], { usage });
    res.end('data: [DONE]\n\n');
  }
}
