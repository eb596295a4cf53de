import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalHttpServer, pathOf, sendJson } from './fakes/http-server.js';

/** A request as the stand-in received it, with what it answered. */
export interface SlackRequest {
  /** `chat.postMessage`, `chat.update`, `users.info`, `webhook` or `response_url`. */
  method: string;
  path: string;
  contentType: string;
  token?: string;
  /** The arguments (form or JSON), `blocks` decoded; the webhook's JSON body. */
  args: Record<string, unknown>;
  /** The HTTP status answered, and Slack's `error` when `ok` was false; undefined while hanging. */
  status?: number;
  error?: string;
}

/** A message in a channel as it stands now: posted, maybe updated since. */
export interface PostedSlackMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: unknown[];
  /** How many chat.update calls changed it. */
  updates: number;
}

/**
 * A failure to answer the next matching call with: a Slack error code (HTTP 200, `ok: false`), an HTTP status
 * (`{ status: 500 }`; 429 carries Retry-After), or `'hang'` (never answered; close() drops it).
 */
export type SlackFailure = string | { status: number; retryAfterSeconds?: number } | 'hang';

export interface SlackStandinOptions {
  /** Bot tokens accepted; others get invalid_auth. */
  tokens?: string[];
  /** Minimum time between two messages to one channel (Slack: about one a second); 0 turns pacing off. */
  perChannelIntervalMs?: number;
  /** Milliseconds since the epoch, for the pacing; Date.now when absent. */
  now?: () => number;
}

export interface BlockActionClick {
  /** Where the app receives interactivity (Slack's "Request URL"). */
  url: string;
  signingSecret: string;
  actionId: string;
  value: string;
  /** The message the button is on. */
  channel: string;
  messageTs: string;
  user?: { id: string; username?: string; teamId?: string };
  /** Unix seconds put in X-Slack-Request-Timestamp and signed; now when absent. */
  timestamp?: number;
  /** Sends this X-Slack-Signature instead of the right one (a forgery). */
  signature?: string;
}

export interface SignedSlackRequest {
  body: string;
  headers: Record<string, string>;
}

const API_METHODS = new Set(['chat.postMessage', 'chat.update', 'users.info', 'auth.test']);
/** Form fields a Slack client sends as JSON text. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata']);
/** Slack's message text limit: past it chat.postMessage answers msg_too_long. */
const MAX_TEXT = 40_000;

/**
 * An HTTP server in Slack's place, checking what Slack checks: the bearer token (not_authed, invalid_auth), the
 * arguments of chat.postMessage / chat.update / users.info (form or JSON), Block Kit limits (invalid_blocks,
 * msg_too_long), one message a second per channel (HTTP 429 with Retry-After). Failures can be scripted
 * (an error code, an HTTP status, a hang); every request is recorded. Incoming webhooks are served at
 * /services/…, and `clickButton` sends a signed block_actions request to an app as Slack does.
 */
export class SlackStandin {
  readonly requests: SlackRequest[] = [];
  /** What apps answered on a click's response_url. */
  readonly responses: Array<Record<string, unknown>> = [];
  private readonly tokens: Set<string>;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly failures: Array<{ method?: string; failure: SlackFailure }> = [];
  private readonly messagesByKey = new Map<string, PostedSlackMessage>();
  private readonly lastPostAt = new Map<string, number>();
  private readonly users = new Map<string, { id: string; name: string; email?: string }>();
  private readonly revokedWebhooks = new Map<string, { status: number; error: string }>();
  private sequence = 0;
  private http!: LocalHttpServer;

  private constructor(options: SlackStandinOptions) {
    this.tokens = new Set(options.tokens ?? ['xoxb-test-token']);
    this.intervalMs = options.perChannelIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  static async start(options: SlackStandinOptions = {}): Promise<SlackStandin> {
    const standin = new SlackStandin(options);
    standin.http = await LocalHttpServer.start((req, res, raw) => standin.handle(req, res, raw));
    return standin;
  }

  /** The Web API address, ending in `/api/` (a Slack client's `slackApiUrl`). */
  get apiUrl(): string {
    return `${this.http.origin}/api/`;
  }

  /** An incoming-webhook address on this stand-in. */
  webhookUrl(path = 'T000/B000/XXXX'): string {
    return `${this.http.origin}/services/${path}`;
  }

  /** The first accepted token, for convenience. */
  get token(): string {
    return [...this.tokens][0]!;
  }

  addToken(token: string): this {
    this.tokens.add(token);
    return this;
  }

  revokeToken(token: string): this {
    this.tokens.delete(token);
    return this;
  }

  /** A workspace member users.info knows. */
  addUser(user: { id: string; name?: string; email?: string }): this {
    this.users.set(user.id, { id: user.id, name: user.name ?? user.id.toLowerCase(), email: user.email });
    return this;
  }

  /** The next matching calls (of `method`, or any Web API call) fail as given, one failure per call. */
  failNext(failures: SlackFailure | SlackFailure[], method?: string): this {
    for (const failure of Array.isArray(failures) ? failures : [failures]) this.failures.push({ method, failure });
    return this;
  }

  /** A webhook URL that no longer works: 404 no_service (deleted) or 403 invalid_token (revoked). */
  revokeWebhook(path: string, answer: { status: number; error: string } = { status: 404, error: 'no_service' }): this {
    this.revokedWebhooks.set(`/services/${path}`, answer);
    return this;
  }

  /** Recorded requests of one method. */
  requestsOf(method: string): SlackRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  /** The messages of a channel as they stand (top-level and replies), oldest first. */
  messages(channel: string): PostedSlackMessage[] {
    return [...this.messagesByKey.values()].filter((m) => m.channel === channel);
  }

  message(channel: string, ts: string): PostedSlackMessage | undefined {
    return this.messagesByKey.get(`${channel}/${ts}`);
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** A block_actions request as Slack sends it for a button click: form-encoded `payload`, v0-signed. */
  blockActionRequest(click: Omit<BlockActionClick, 'url'>): SignedSlackRequest {
    const user = click.user ?? { id: 'U0CLICKER' };
    const message = this.message(click.channel, click.messageTs);
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.username ?? user.id.toLowerCase(), team_id: user.teamId ?? 'T000' },
      api_app_id: 'A000',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: click.messageTs, channel_id: click.channel, is_ephemeral: false },
      trigger_id: `${this.sequence + 1}.trigger`,
      team: { id: user.teamId ?? 'T000', domain: 'standin' },
      channel: { id: click.channel, name: 'alerts' },
      message: { type: 'message', ts: click.messageTs, text: message?.text ?? '', blocks: message?.blocks ?? [] },
      response_url: `${this.http.origin}/actions/response/${click.channel}/${click.messageTs}`,
      actions: [
        {
          type: 'button',
          action_id: click.actionId,
          block_id: 'vigil_actions',
          value: click.value,
          action_ts: String(Math.floor(this.now() / 1000)),
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const timestamp = String(click.timestamp ?? Math.floor(this.now() / 1000));
    const signature =
      click.signature ??
      `v0=${createHmac('sha256', click.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    return {
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      },
    };
  }

  /** Sends a signed button click to an app, as Slack does; the app's answer. */
  async clickButton(click: BlockActionClick): Promise<{ status: number; body: string }> {
    return SlackStandin.deliver(click.url, this.blockActionRequest(click));
  }

  /** Posts a prepared signed request (again, for a replay). */
  static async deliver(url: string, request: SignedSlackRequest): Promise<{ status: number; body: string }> {
    const res = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
    return { status: res.status, body: await res.text() };
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = pathOf(req);
    const contentType = req.headers['content-type'] ?? '';
    if (req.method === 'POST' && path.startsWith('/services/')) return this.webhook(res, path, contentType, raw);
    if (req.method === 'POST' && path.startsWith('/actions/response/')) {
      const args = safeJson(raw);
      this.responses.push(typeof args === 'object' && args ? (args as Record<string, unknown>) : { raw });
      this.requests.push({ method: 'response_url', path, contentType, args: { raw }, status: 200 });
      return sendJson(res, 200, { ok: true });
    }
    const method = path.startsWith('/api/') ? path.slice('/api/'.length) : '';
    if (!API_METHODS.has(method)) return sendJson(res, 404, { ok: false, error: 'unknown_method' });

    let args: Record<string, unknown>;
    try {
      args = parseArgs(contentType, raw);
    } catch {
      return this.answer(res, { method, path, contentType, args: { raw } }, 200, { ok: false, error: 'invalid_json' });
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    delete args.token;
    const recorded: SlackRequest = { method, path, contentType, args, ...(token ? { token } : {}) };
    this.requests.push(recorded);

    if (!token) return this.answer(res, recorded, 200, { ok: false, error: 'not_authed' });
    if (!this.tokens.has(token)) return this.answer(res, recorded, 200, { ok: false, error: 'invalid_auth' });
    const scripted = this.takeFailure(method);
    if (scripted !== undefined) return this.fail(res, recorded, scripted);

    switch (method) {
      case 'auth.test':
        return this.answer(res, recorded, 200, { ok: true, team_id: 'T000', user_id: 'U000', bot_id: 'B000' });
      case 'users.info':
        return this.usersInfo(res, recorded);
      case 'chat.postMessage':
        return this.postMessage(res, recorded);
      default:
        return this.update(res, recorded);
    }
  }

  private usersInfo(res: ServerResponse, recorded: SlackRequest): void {
    const id = recorded.args.user;
    if (typeof id !== 'string' || !id)
      return this.answer(res, recorded, 200, { ok: false, error: 'invalid_arguments' });
    const user = this.users.get(id);
    if (!user) return this.answer(res, recorded, 200, { ok: false, error: 'user_not_found' });
    return this.answer(res, recorded, 200, {
      ok: true,
      user: {
        id: user.id,
        name: user.name,
        deleted: false,
        is_bot: false,
        profile: { real_name: user.name, ...(user.email ? { email: user.email } : {}) },
      },
    });
  }

  private postMessage(res: ServerResponse, recorded: SlackRequest): void {
    const { args } = recorded;
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!channel) return this.answer(res, recorded, 200, { ok: false, error: 'channel_not_found' });
    const invalid = checkMessage(args);
    if (invalid) return this.answer(res, recorded, 200, invalid);
    if (args.thread_ts !== undefined && typeof args.thread_ts !== 'string')
      return this.answer(res, recorded, 200, { ok: false, error: 'invalid_arguments' });
    if (this.intervalMs > 0) {
      const now = this.now();
      const last = this.lastPostAt.get(channel);
      if (last !== undefined && now - last < this.intervalMs) {
        const retryAfter = Math.max(1, Math.ceil((this.intervalMs - (now - last)) / 1000));
        return this.answer(
          res,
          recorded,
          429,
          { ok: false, error: 'ratelimited' },
          { 'retry-after': String(retryAfter) },
        );
      }
      this.lastPostAt.set(channel, now);
    }
    const ts = this.nextTs();
    const message: PostedSlackMessage = {
      channel,
      ts,
      ...(typeof args.thread_ts === 'string' ? { threadTs: args.thread_ts } : {}),
      ...(typeof args.text === 'string' ? { text: args.text } : {}),
      ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
      updates: 0,
    };
    this.messagesByKey.set(`${channel}/${ts}`, message);
    return this.answer(res, recorded, 200, {
      ok: true,
      channel,
      ts,
      message: { type: 'message', user: 'U000', bot_id: 'B000', text: message.text ?? '', ts },
    });
  }

  private update(res: ServerResponse, recorded: SlackRequest): void {
    const { args } = recorded;
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (!channel) return this.answer(res, recorded, 200, { ok: false, error: 'channel_not_found' });
    if (typeof args.ts !== 'string') return this.answer(res, recorded, 200, { ok: false, error: 'invalid_arguments' });
    const message = this.messagesByKey.get(`${channel}/${args.ts}`);
    if (!message) return this.answer(res, recorded, 200, { ok: false, error: 'message_not_found' });
    const invalid = checkMessage(args);
    if (invalid) return this.answer(res, recorded, 200, invalid);
    if (typeof args.text === 'string') message.text = args.text;
    if (Array.isArray(args.blocks)) message.blocks = args.blocks;
    message.updates++;
    return this.answer(res, recorded, 200, { ok: true, channel, ts: message.ts, text: message.text ?? '' });
  }

  private webhook(res: ServerResponse, path: string, contentType: string, raw: string): void {
    const body = safeJson(raw);
    const args = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : { raw };
    const recorded: SlackRequest = { method: 'webhook', path, contentType, args };
    this.requests.push(recorded);
    const text = (status: number, answer: string, headers: Record<string, string> = {}): void => {
      recorded.status = status;
      if (status !== 200) recorded.error = answer;
      res.writeHead(status, { 'content-type': 'text/html', ...headers });
      res.end(answer);
    };
    const revoked = this.revokedWebhooks.get(path);
    if (revoked) return text(revoked.status, revoked.error);
    const scripted = this.takeFailure('webhook');
    if (scripted === 'hang') return;
    if (typeof scripted === 'object')
      return text(
        scripted.status,
        scripted.status === 429 ? 'rate_limited' : 'internal_error',
        scripted.status === 429 ? { 'retry-after': String(scripted.retryAfterSeconds ?? 1) } : {},
      );
    if (typeof scripted === 'string') return text(400, scripted);
    if (body === undefined || typeof body !== 'object' || body === null) return text(400, 'invalid_payload');
    const invalid = checkMessage(args);
    if (invalid) return text(400, invalid.error === 'msg_too_long' ? 'msg_too_long' : 'invalid_blocks');
    if (this.intervalMs > 0) {
      const now = this.now();
      const last = this.lastPostAt.get(path);
      if (last !== undefined && now - last < this.intervalMs)
        return text(429, 'rate_limited', {
          'retry-after': String(Math.max(1, Math.ceil((this.intervalMs - (now - last)) / 1000))),
        });
      this.lastPostAt.set(path, now);
    }
    return text(200, 'ok');
  }

  private takeFailure(method: string): SlackFailure | undefined {
    // Failures scripted without a method are for Web API calls, not webhook posts.
    const index = this.failures.findIndex(
      (f) => f.method === method || (f.method === undefined && method !== 'webhook'),
    );
    if (index < 0) return undefined;
    return this.failures.splice(index, 1)[0]!.failure;
  }

  private fail(res: ServerResponse, recorded: SlackRequest, failure: SlackFailure): void {
    if (failure === 'hang') return;
    if (typeof failure === 'string') return this.answer(res, recorded, 200, { ok: false, error: failure });
    if (failure.status === 429)
      return this.answer(
        res,
        recorded,
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(failure.retryAfterSeconds ?? 1) },
      );
    return this.answer(res, recorded, failure.status, { ok: false, error: 'internal_error' });
  }

  private answer(
    res: ServerResponse,
    recorded: SlackRequest,
    status: number,
    body: { ok: boolean; error?: string } & Record<string, unknown>,
    headers: Record<string, string> = {},
  ): void {
    recorded.status = status;
    if (body.error) recorded.error = body.error;
    if (!this.requests.includes(recorded)) this.requests.push(recorded);
    sendJson(res, status, body, headers);
  }

  /** Slack message timestamps (seconds, then six digits), increasing. */
  private nextTs(): string {
    this.sequence++;
    return `${1_700_000_000 + Math.floor(this.sequence / 1_000_000)}.${String(this.sequence % 1_000_000).padStart(6, '0')}`;
  }
}

/** Slack's checks of a message's text and blocks; the error answer, or undefined when it would be accepted. */
function checkMessage(args: Record<string, unknown>): { ok: false; error: string; messages?: string[] } | undefined {
  if (args.text === undefined && args.blocks === undefined && args.attachments === undefined)
    return { ok: false, error: 'no_text' };
  if (args.text !== undefined && typeof args.text !== 'string') return { ok: false, error: 'invalid_arguments' };
  if (typeof args.text === 'string' && args.text.length > MAX_TEXT) return { ok: false, error: 'msg_too_long' };
  if (args.blocks === undefined) return undefined;
  const problems = blockProblems(args.blocks);
  return problems.length ? { ok: false, error: 'invalid_blocks', messages: problems } : undefined;
}

/** Block Kit limits Slack enforces, as `[ERROR] …` lines like Slack's response_metadata.messages. */
export function blockProblems(blocks: unknown): string[] {
  const problems: string[] = [];
  const problem = (where: string, what: string): void => void problems.push(`[ERROR] ${what} [json-pointer:${where}]`);
  if (!Array.isArray(blocks)) return ['[ERROR] blocks must be an array'];
  if (blocks.length > 50) problem('/blocks', 'no more than 50 items allowed');
  const textOf = (value: unknown, where: string, max: number, plainOnly = false): void => {
    if (typeof value !== 'object' || value === null) return problem(where, 'must provide an object');
    const { type, text } = value as { type?: unknown; text?: unknown };
    if (type !== 'plain_text' && (plainOnly || type !== 'mrkdwn'))
      return problem(`${where}/type`, plainOnly ? 'must be plain_text' : 'must be plain_text or mrkdwn');
    if (typeof text !== 'string' || text.length === 0) return problem(`${where}/text`, 'must be a non-empty string');
    if (text.length > max) problem(`${where}/text`, `must be less than ${max + 1} characters`);
  };
  blocks.forEach((block: unknown, i) => {
    const at = `/blocks/${i}`;
    if (typeof block !== 'object' || block === null) return problem(at, 'must provide an object');
    const b = block as Record<string, unknown>;
    if (typeof b.block_id === 'string' && b.block_id.length > 255)
      problem(`${at}/block_id`, 'must be less than 256 characters');
    switch (b.type) {
      case 'header':
        return textOf(b.text, `${at}/text`, 150, true);
      case 'section': {
        if (b.text === undefined && b.fields === undefined) return problem(at, 'must provide text or fields');
        if (b.text !== undefined) textOf(b.text, `${at}/text`, 3000);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) return problem(`${at}/fields`, 'must be an array');
          if (b.fields.length > 10) problem(`${at}/fields`, 'no more than 10 items allowed');
          b.fields.forEach((field: unknown, j) => textOf(field, `${at}/fields/${j}`, 2000));
        }
        return;
      }
      case 'context': {
        if (!Array.isArray(b.elements) || b.elements.length === 0) return problem(`${at}/elements`, 'must be an array');
        if (b.elements.length > 10) problem(`${at}/elements`, 'no more than 10 items allowed');
        return b.elements.forEach((element: unknown, j) => textOf(element, `${at}/elements/${j}`, 3000));
      }
      case 'actions': {
        if (!Array.isArray(b.elements) || b.elements.length === 0) return problem(`${at}/elements`, 'must be an array');
        if (b.elements.length > 25) problem(`${at}/elements`, 'no more than 25 items allowed');
        return b.elements.forEach((element: unknown, j) => {
          const e = element as Record<string, unknown>;
          const where = `${at}/elements/${j}`;
          if (e?.type !== 'button') return;
          textOf(e.text, `${where}/text`, 75, true);
          if (typeof e.action_id === 'string' && e.action_id.length > 255)
            problem(`${where}/action_id`, 'must be less than 256 characters');
          if (typeof e.value === 'string' && e.value.length > 2000)
            problem(`${where}/value`, 'must be less than 2001 characters');
          if (typeof e.url === 'string' && e.url.length > 3000)
            problem(`${where}/url`, 'must be less than 3001 characters');
          if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
            problem(`${where}/style`, 'must be primary or danger');
        });
      }
      case 'divider':
      case 'image':
      case 'rich_text':
        return;
      default:
        return problem(`${at}/type`, 'unknown block type');
    }
  });
  return problems;
}

function parseArgs(contentType: string, raw: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.startsWith('application/json')) {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  }
  const args: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(raw))
    args[name] = JSON_FIELDS.has(name) ? (safeJson(value) ?? value) : value;
  return args;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
