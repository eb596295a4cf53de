import { ErrorCode, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { FakeSlack } from './slack.js';

describe('FakeSlack, through the official Slack client', () => {
  let fake: FakeSlack;
  let slack: WebClient;
  beforeEach(async () => {
    fake = await FakeSlack.start({ token: 'xoxb-good' });
    slack = new WebClient('xoxb-good', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
  });
  afterEach(() => fake.close());

  it('posts a message, then updates it by its ts, recording both calls', async () => {
    const posted = await slack.chat.postMessage({
      channel: 'C0ALERTS',
      text: 'disk full on db-1',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*disk full*' } }],
    });
    expect(posted).toMatchObject({ ok: true, channel: 'C0ALERTS', ts: expect.stringMatching(/^\d+\.\d{6}$/) });
    const updated = await slack.chat.update({ channel: 'C0ALERTS', ts: posted.ts!, text: 'resolved' });
    expect(updated).toMatchObject({ ok: true, channel: 'C0ALERTS', ts: posted.ts });
    expect(fake.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.update']);
    expect(fake.callsOf('chat.postMessage')[0]).toMatchObject({
      token: 'xoxb-good',
      args: {
        channel: 'C0ALERTS',
        text: 'disk full on db-1',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*disk full*' } }],
      },
    });
  });

  it('answers auth.test, and invalid_auth to another token', async () => {
    expect(await slack.auth.test()).toMatchObject({ ok: true, team_id: 'T000', user_id: 'U000' });
    const stranger = new WebClient('xoxb-bad', { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
    const error = (await stranger.auth.test().catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(error.code).toBe(ErrorCode.PlatformError);
    expect(error.data.error).toBe('invalid_auth');
  });

  it('answers Slack errors: an unknown message, a scripted failure', async () => {
    const unknown = (await slack.chat
      .update({ channel: 'C1', ts: '1.000001', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(unknown.data.error).toBe('message_not_found');
    fake.failWith('channel_not_found');
    const failed = (await slack.chat
      .postMessage({ channel: 'C1', text: 'x' })
      .catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(failed.data.error).toBe('channel_not_found');
    expect((await slack.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
  });

  it('rate-limits the next N calls with Retry-After', async () => {
    fake.rateLimit(2, 3);
    for (let i = 0; i < 2; i++) {
      const error = (await slack.chat
        .postMessage({ channel: 'C1', text: 'x' })
        .catch((e: unknown) => e)) as WebAPIRateLimitedError;
      expect(error.code).toBe(ErrorCode.RateLimitedError);
      expect(error.retryAfter).toBe(3);
    }
    expect((await slack.chat.postMessage({ channel: 'C1', text: 'x' })).ok).toBe(true);
    expect(fake.callsOf('chat.postMessage')).toHaveLength(3);
  });

  it('takes JSON bodies with a bearer token', async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: 'Bearer xoxb-good' },
      body: JSON.stringify({ channel: 'C2', text: 'json' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C2' });
    const anonymous = await fetch(`${fake.apiUrl}chat.postMessage`, { method: 'POST', body: 'channel=C2&text=x' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
  });

  it('accepts incoming-webhook posts, answering ok', async () => {
    const res = await fetch(fake.webhookUrl('T1/B2/secret'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
    expect(fake.webhooks).toEqual([{ path: '/services/T1/B2/secret', body: { text: 'hello' } }]);
  });
});
