import { LogLevel, WebClient, type ChatPostMessageResponse } from '@slack/web-api';
import { renderSlack, type SlackMessage, type TemplateStore } from '../messages/index.js';
import { slackFailure } from './failures.js';
import type { SendRequest, SendResult } from './provider.js';

/** Kinds whose thread reply is also shown in the channel: people must see them, not only the thread's followers. */
const BROADCAST_KINDS = new Set(['escalation', 'retriggered']);

/** Slack answers that the message to update is gone: the update becomes a new message. */
const UPDATE_TARGET_GONE = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed']);

export interface SlackClientOptions {
  slackApiUrl?: string;
  timeoutMs: number;
}

/** One WebClient per bot token, kept while in use (at most `max`; the least recently used goes first). */
export class SlackClients {
  private readonly clients = new Map<string, WebClient>();

  constructor(
    private readonly options: SlackClientOptions,
    private readonly max = 1000,
  ) {}

  get(botToken: string): WebClient {
    let client = this.clients.get(botToken);
    if (client) {
      this.clients.delete(botToken);
    } else {
      client = createSlackClient(botToken, this.options);
      if (this.clients.size >= this.max) this.clients.delete(this.clients.keys().next().value as string);
    }
    this.clients.set(botToken, client);
    return client;
  }
}

/**
 * A Slack Web API client as notifications use it: a 429 is answered at once (rejectRateLimitedCalls) and
 * nothing is retried here, so the delivery scheduler decides when to try again; one request's time is bounded.
 */
export function createSlackClient(botToken: string, options: SlackClientOptions): WebClient {
  return new WebClient(botToken, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs,
    logLevel: LogLevel.ERROR,
  });
}

/**
 * Sends to a `slack` channel: the alert's first message with chat.postMessage (its channel and ts become
 * the thread), follow-ups in that thread (thread_ts), and with `update` the first message is rewritten by
 * chat.update to the alert's current state, then a short reply says what changed.
 */
export async function sendSlack(
  request: SendRequest & { target: { kind: 'slack' } },
  clients: SlackClients,
  templates: TemplateStore,
): Promise<SendResult> {
  const client = clients.get(request.target.botToken);
  const thread = request.thread?.slack;
  try {
    const full = renderSlack(request.content, templates);
    if (!thread) return firstMessage(await post(client, request.target.channelId, full));
    if (request.update) {
      const updated = await client.chat
        .update({ channel: thread.channel, ts: thread.ts, text: full.text, blocks: full.blocks })
        .catch((error: unknown) => {
          const code = (error as { data?: { error?: string } }).data?.error;
          if (code && UPDATE_TARGET_GONE.has(code)) return undefined;
          throw error;
        });
      // The message to update was deleted: the alert starts a new thread.
      if (!updated) return firstMessage(await post(client, request.target.channelId, full));
      const reply = renderSlack(request.content, templates, { reply: true });
      const replied = await post(client, thread.channel, reply, thread.ts);
      return {
        providerResponse: { ok: true, updated: { channel: updated.channel, ts: updated.ts }, reply: summary(replied) },
        thread: request.thread,
      };
    }
    const replied = await post(client, thread.channel, full, thread.ts, BROADCAST_KINDS.has(request.content.kind));
    return { providerResponse: summary(replied), thread: request.thread };
  } catch (error) {
    throw slackFailure(error);
  }
}

/** The email of a Slack workspace member (users.info; needs the users:read.email scope), or undefined. */
export async function slackUserEmail(
  botToken: string,
  userId: string,
  options: Partial<SlackClientOptions> = {},
): Promise<string | undefined> {
  const client = createSlackClient(botToken, { timeoutMs: 2000, ...options });
  try {
    const answer = await client.users.info({ user: userId });
    return answer.user?.profile?.email || undefined;
  } catch (error) {
    throw slackFailure(error);
  }
}

function post(
  client: WebClient,
  channel: string,
  message: SlackMessage,
  threadTs?: string,
  broadcast = false,
): Promise<ChatPostMessageResponse> {
  const base = { channel, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false };
  if (!threadTs) return client.chat.postMessage(base);
  if (broadcast) return client.chat.postMessage({ ...base, thread_ts: threadTs, reply_broadcast: true });
  return client.chat.postMessage({ ...base, thread_ts: threadTs });
}

function firstMessage(posted: ChatPostMessageResponse): SendResult {
  return {
    providerResponse: summary(posted),
    ...(posted.channel && posted.ts ? { thread: { slack: { channel: posted.channel, ts: posted.ts } } } : {}),
  };
}

function summary(posted: ChatPostMessageResponse): { ok: boolean; channel?: string; ts?: string } {
  return {
    ok: posted.ok,
    ...(posted.channel ? { channel: posted.channel } : {}),
    ...(posted.ts ? { ts: posted.ts } : {}),
  };
}
