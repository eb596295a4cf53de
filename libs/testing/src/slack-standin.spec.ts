import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import { verifySlackSignature } from '@vigil/auth';
import { manualClock } from './clock.js';
import { SlackStandin } from './slack-standin.js';

describe('SlackStandin, through the official Slack clients', () => {
  const clock = manualClock('2026-12-02T12:00:00.000Z');
  let slack: SlackStandin;
  let client: WebClient;
  beforeEach(async () => {
    slack = await SlackStandin.start({ tokens: ['xoxb-good'], now: clock });
    client = new WebClient('xoxb-good', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
  });
  afterEach(() => slack.close());

  it('posts, threads and updates messages, recording every request', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'disk full' });
    clock.advance(1000);
    const reply = await client.chat.postMessage({ channel: 'C1', text: 'still full', thread_ts: posted.ts! });
    await client.chat.update({ channel: 'C1', ts: posted.ts!, text: 'resolved' });
    expect(slack.messages('C1')).toEqual([
      { channel: 'C1', ts: posted.ts, text: 'resolved', updates: 1 },
      { channel: 'C1', ts: reply.ts, threadTs: posted.ts, text: 'still full', updates: 0 },
    ]);
    expect(slack.requests.map((r) => [r.method, r.status, r.token])).toEqual([
      ['chat.postMessage', 200, 'xoxb-good'],
      ['chat.postMessage', 200, 'xoxb-good'],
      ['chat.update', 200, 'xoxb-good'],
    ]);
  });

  it('answers not_authed without a token and invalid_auth to a wrong or revoked one', async () => {
    const res = await fetch(`${slack.apiUrl}chat.postMessage`, { method: 'POST', body: 'channel=C1&text=x' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    const stranger = new WebClient('xoxb-bad', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const error = (await stranger.chat
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect([error.code, error.data.error]).toEqual([ErrorCode.PlatformError, 'invalid_auth']);
    slack.revokeToken('xoxb-good');
    const revoked = (await client.chat
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(revoked.data.error).toBe('invalid_auth');
  });

  it('checks Block Kit limits: invalid_blocks, msg_too_long, no_text', async () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    const header = [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }];
    const section = [{ type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3001) } }];
    const button = [
      {
        type: 'actions',
        elements: [{ type: 'button', text: { type: 'plain_text', text: 'x' }, value: 'v'.repeat(2001) }],
      },
    ];
    for (const blocks of [tooMany, header, section, button]) {
      const error = (await client.chat
        .postMessage({ channel: 'C1', text: 'x', blocks })
        .catch((e: unknown) => e)) as WebAPIPlatformError;
      expect(error.data.error).toBe('invalid_blocks');
    }
    const long = (await client.chat
      .postMessage({ channel: 'C1', text: 'x'.repeat(40_001) })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(long.data.error).toBe('msg_too_long');
    const empty = (await client.chat
      .postMessage({ channel: 'C1' } as never)
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(empty.data.error).toBe('no_text');
    expect(slack.messages('C1')).toEqual([]);
  });

  it('allows one message a second per channel, answering 429 with Retry-After', async () => {
    await client.chat.postMessage({ channel: 'C1', text: 'one' });
    await client.chat.postMessage({ channel: 'C2', text: 'other channel' });
    clock.advance(400);
    const limited = (await client.chat
      .postMessage({ channel: 'C1', text: 'two' })
      .catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect([limited.code, limited.retryAfter]).toEqual([ErrorCode.RateLimitedError, 1]);
    expect(slack.requestsOf('chat.postMessage').map((r) => r.status)).toEqual([200, 200, 429]);
    clock.advance(600);
    expect((await client.chat.postMessage({ channel: 'C1', text: 'two' })).ok).toBe(true);
  });

  it('answers scripted failures: error codes, HTTP statuses, a hang', async () => {
    slack.failNext(['channel_not_found', { status: 500 }, 'hang'], 'chat.postMessage');
    const notFound = (await client.chat
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(notFound.data.error).toBe('channel_not_found');
    const http = (await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
      statusCode: number;
    };
    expect([http.code, http.statusCode]).toEqual([ErrorCode.HTTPError, 500]);
    const hanging = new WebClient('xoxb-good', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 200,
      logLevel: LogLevel.ERROR,
    });
    const timedOut = (await hanging.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
    };
    expect(timedOut.code).toBe(ErrorCode.RequestError);
    expect((await client.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
  });

  it('takes JSON bodies with a bearer token, checking the arguments', async () => {
    const call = async (method: string, body: unknown) => {
      const res = await fetch(`${slack.apiUrl}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-good' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { ok: boolean; error?: string; ts?: string };
    };
    const posted = await call('chat.postMessage', { channel: 'C9', text: 'json' });
    expect(posted).toMatchObject({ ok: true, channel: 'C9' });
    expect(await call('chat.update', { channel: 'C9', text: 'no ts' })).toEqual({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(await call('chat.update', { channel: 'C9', ts: '1.000009', text: 'x' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(await call('chat.postMessage', { text: 'no channel' })).toEqual({ ok: false, error: 'channel_not_found' });
    expect(await call('chat.postMessage', { channel: 'C9', text: 5 })).toEqual({
      ok: false,
      error: 'invalid_arguments',
    });
    expect(await call('users.info', {})).toEqual({ ok: false, error: 'invalid_arguments' });
    expect(await call('chat.update', { channel: 'C9', ts: posted.ts, text: 'edited' })).toMatchObject({ ok: true });
    expect(slack.requests.every((r) => r.contentType.startsWith('application/json'))).toBe(true);
  });

  it('answers users.info for known members', async () => {
    slack.addUser({ id: 'U1', email: 'alice@example.com' });
    expect(await client.users.info({ user: 'U1' })).toMatchObject({
      ok: true,
      user: { id: 'U1', profile: { email: 'alice@example.com' } },
    });
    const missing = (await client.users.info({ user: 'U2' }).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(missing.data.error).toBe('user_not_found');
  });

  it('takes incoming-webhook posts, answering 404 no_service for a deleted one', async () => {
    const hook = new IncomingWebhook(slack.webhookUrl('T1/B1/secret'));
    expect(await hook.send({ text: 'hello' })).toEqual({ text: 'ok' });
    slack.revokeWebhook('T1/B1/secret');
    const gone = (await hook.send({ text: 'again' }).catch((e: unknown) => e)) as { statusCode: number; body: string };
    expect([gone.statusCode, gone.body]).toEqual([404, 'no_service']);
    expect(slack.requestsOf('webhook').map((r) => [r.path, r.status, r.args.text])).toEqual([
      ['/services/T1/B1/secret', 200, 'hello'],
      ['/services/T1/B1/secret', 404, 'again'],
    ]);
  });

  it('prepares a forged or stale click, and the same signed request again for a replay', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'disk full' });
    const click = {
      signingSecret: 'shh',
      actionId: 'vigil_resolve',
      value: 'a1',
      channel: 'C1',
      messageTs: posted.ts!,
    };
    const forged = slack.blockActionRequest({ ...click, signature: 'v0=' + '0'.repeat(64) });
    expect(forged.headers['x-slack-signature']).toBe('v0=' + '0'.repeat(64));
    const stale = slack.blockActionRequest({ ...click, timestamp: clock() / 1000 - 600 });
    expect(
      verifySlackSignature({
        signingSecret: 'shh',
        timestamp: stale.headers['x-slack-request-timestamp'],
        signature: stale.headers['x-slack-signature'],
        rawBody: stale.body,
        now: clock(),
      }),
    ).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  describe('button clicks', () => {
    let app: Server;
    let received: Array<{ headers: Record<string, unknown>; body: string }>;
    let url: string;
    beforeEach(async () => {
      received = [];
      app = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.end('done');
        });
      });
      await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/actions`;
    });
    afterEach(() => new Promise<void>((resolve) => app.close(() => resolve())));

    it('sends a form-encoded block_actions payload with a v0 signature of the raw body', async () => {
      const posted = await client.chat.postMessage({ channel: 'C1', text: 'disk full' });
      const answer = await slack.clickButton({
        url,
        signingSecret: 'shh',
        actionId: 'vigil_acknowledge',
        value: 'alert-1',
        channel: 'C1',
        messageTs: posted.ts!,
        user: { id: 'U1' },
      });
      expect(answer).toEqual({ status: 200, body: 'done' });
      const [{ headers, body }] = received as [{ headers: Record<string, string>; body: string }];
      expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(headers['x-slack-request-timestamp']).toBe(String(clock() / 1000));
      const expected = createHmac('sha256', 'shh')
        .update(`v0:${clock() / 1000}:${body}`)
        .digest('hex');
      expect(headers['x-slack-signature']).toBe(`v0=${expected}`);
      expect(
        verifySlackSignature({
          signingSecret: 'shh',
          timestamp: headers['x-slack-request-timestamp'],
          signature: headers['x-slack-signature'],
          rawBody: body,
          now: clock(),
        }),
      ).toEqual({ ok: true });
      const payload = JSON.parse(new URLSearchParams(body).get('payload')!) as Record<string, unknown>;
      expect(payload).toMatchObject({
        type: 'block_actions',
        user: { id: 'U1' },
        container: { type: 'message', message_ts: posted.ts, channel_id: 'C1' },
        message: { ts: posted.ts, text: 'disk full' },
        actions: [{ action_id: 'vigil_acknowledge', value: 'alert-1', type: 'button' }],
      });
    });
  });
});
