import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer, pathOf, sendJson } from './http-server.js';

/** A Web API call as received: its method, arguments (form or JSON, `blocks` decoded) and token. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token?: string;
}

export interface SlackWebhookPost {
  path: string;
  body: Record<string, unknown>;
}

const METHODS = new Set(['chat.postMessage', 'chat.update', 'auth.test']);
/** Form fields a Slack client sends as JSON text. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);

/**
 * A Slack Web API server: POST /api/chat.postMessage, /api/chat.update and /api/auth.test answering as
 * Slack does (HTTP 200 with `ok`), the bot token checked; and incoming webhooks, POST /services/…
 * answering `ok`. `apiUrl` is what a Slack client takes as its API address.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly webhooks: SlackWebhookPost[] = [];
  private limited = 0;
  private retryAfterSeconds = 1;
  private readonly failures: string[] = [];
  private sequence = 0;
  private readonly posted = new Map<string, Set<string>>();

  private http!: LocalHttpServer;

  private constructor(readonly token: string) {}

  static async start(options: { token?: string } = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options.token ?? 'xoxb-test-token');
    fake.http = await LocalHttpServer.start((req, res, raw) => fake.handle(req, res, raw));
    return fake;
  }

  /** The Web API address, ending in `/api/`. */
  get apiUrl(): string {
    return `${this.http.origin}/api/`;
  }

  /** An incoming-webhook address on this fake. */
  webhookUrl(path = 'T000/B000/XXXX'): string {
    return `${this.http.origin}/services/${path}`;
  }

  /** The next `calls` Web API calls (and webhook posts) get 429 with Retry-After. */
  rateLimit(calls: number, retryAfterSeconds = 1): this {
    this.limited = calls;
    this.retryAfterSeconds = retryAfterSeconds;
    return this;
  }

  /** The next Web API calls answer `{ ok: false, error }`, one per error given. */
  failWith(...errors: string[]): this {
    this.failures.push(...errors);
    return this;
  }

  /** The recorded calls of one method. */
  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = pathOf(req);
    if (req.method === 'POST' && path.startsWith('/services/')) return this.webhook(res, path, raw);
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : '';
    if (req.method !== 'POST' || !METHODS.has(method))
      return sendJson(res, 404, { ok: false, error: 'unknown_method' });

    const args = parseArgs(req.headers['content-type'] ?? '', raw);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    this.calls.push({ method, args, ...(token ? { token } : {}) });

    if (this.limited > 0) {
      this.limited--;
      return sendJson(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(this.retryAfterSeconds) });
    }
    if (!token) return sendJson(res, 200, { ok: false, error: 'not_authed' });
    if (token !== this.token) return sendJson(res, 200, { ok: false, error: 'invalid_auth' });
    const failure = this.failures.shift();
    if (failure) return sendJson(res, 200, { ok: false, error: failure });

    if (method === 'auth.test')
      return sendJson(res, 200, {
        ok: true,
        url: 'https://fake-workspace.slack.com/',
        team: 'Fake Workspace',
        user: 'vigil',
        team_id: 'T000',
        user_id: 'U000',
        bot_id: 'B000',
      });
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!channel) return sendJson(res, 200, { ok: false, error: 'channel_not_found' });
    if (args.text === undefined && args.blocks === undefined && args.attachments === undefined)
      return sendJson(res, 200, { ok: false, error: 'no_text' });
    if (method === 'chat.update') {
      const ts = typeof args.ts === 'string' ? args.ts : '';
      if (!this.posted.get(channel)?.has(ts)) return sendJson(res, 200, { ok: false, error: 'message_not_found' });
      return sendJson(res, 200, { ok: true, channel, ts, text: args.text ?? '', message: { ...args, ts } });
    }
    const ts = this.nextTs();
    if (!this.posted.has(channel)) this.posted.set(channel, new Set());
    this.posted.get(channel)!.add(ts);
    return sendJson(res, 200, {
      ok: true,
      channel,
      ts,
      message: { type: 'message', user: 'U000', bot_id: 'B000', text: args.text ?? '', ts },
    });
  }

  private webhook(res: ServerResponse, path: string, raw: string): void {
    if (this.limited > 0) {
      this.limited--;
      res.writeHead(429, { 'content-type': 'text/plain', 'retry-after': String(this.retryAfterSeconds) });
      return void res.end('rate_limited');
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      return void res.end('invalid_payload');
    }
    this.webhooks.push({ path, body });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  }

  /** Slack message timestamps (seconds, then six digits), increasing. */
  private nextTs(): string {
    this.sequence++;
    return `${1_700_000_000 + Math.floor(this.sequence / 1_000_000)}.${String(this.sequence % 1_000_000).padStart(6, '0')}`;
  }
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(raw)) {
    args[name] = JSON_FIELDS.has(name) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
