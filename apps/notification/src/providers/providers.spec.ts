import { manualClock, refusedPort, SlackStandin, SmtpStandin } from '@vigil/testing';
import { parseAllowedCidrs } from '@vigil/netguard';
import type { MessageAlert, NotificationContent, Providers, SendRequest } from './provider.js';
import { DeliveryError } from './provider.js';
import { createProviders } from './providers.js';
import { slackUserEmail } from './slack.js';

const TENANT = '0190a1b2-0000-7000-8000-00000000000a';
const ALERT: MessageAlert = {
  alertId: '0190a1b2-0000-7000-8000-000000000001',
  alertType: 'KubePodCrashLooping',
  severity: 'critical',
  status: 'triggered',
  summary: 'Pod payments-api-7d9 keeps restarting',
  labels: { service: 'payments', namespace: 'prod' },
  occurrences: 1,
  startedAt: '2026-12-02T12:00:00.000000Z',
  lastSeenAt: '2026-12-02T12:00:00.000000Z',
};

function content(kind: NotificationContent['kind'], alert: Partial<MessageAlert> = {}): NotificationContent {
  return { tenantId: TENANT, kind, alerts: [{ ...ALERT, ...alert }] };
}

/** The DeliveryError a send fails with. */
async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

const LOOPBACK = parseAllowedCidrs('127.0.0.0/8');

describe('Slack provider (Web API), against the Slack stand-in', () => {
  const clock = manualClock('2026-12-02T12:00:00.000Z');
  let slack: SlackStandin;
  let providers: Providers;
  const target = { kind: 'slack' as const, botToken: 'xoxb-good', channelId: 'C0ALERTS' };
  beforeEach(async () => {
    slack = await SlackStandin.start({ tokens: ['xoxb-good'], now: clock });
    providers = createProviders({ slackApiUrl: slack.apiUrl, timeoutMs: 5000 });
  });
  afterEach(async () => {
    await providers.close();
    await slack.close();
  });

  it('posts the first message, threads follow-ups under it and updates it on a status change', async () => {
    const first = await providers.send({ target, content: content('created'), idempotencyKey: 'd1' });
    const ts = slack.messages('C0ALERTS')[0]!.ts;
    expect(first).toEqual({
      providerResponse: { ok: true, channel: 'C0ALERTS', ts },
      thread: { slack: { channel: 'C0ALERTS', ts } },
    });
    const posted = slack.requestsOf('chat.postMessage')[0]!;
    expect(posted.token).toBe('xoxb-good');
    expect(posted.args.text).toBe(':red_circle: [CRITICAL] Pod payments-api-7d9 keeps restarting');
    expect(JSON.stringify(posted.args.blocks)).toContain('vigil_acknowledge');

    clock.advance(1000);
    const escalation = await providers.send({
      target,
      content: { ...content('escalation'), escalation: { step: 1, repeat: 0 } },
      thread: first.thread,
      idempotencyKey: 'd2',
    });
    expect(escalation.thread).toEqual(first.thread);
    expect(slack.requestsOf('chat.postMessage')[1]!.args).toMatchObject({ thread_ts: ts, reply_broadcast: 'true' });

    clock.advance(1000);
    await providers.send({
      target,
      content: content('acknowledged', { status: 'acknowledged', by: 'alice@example.com' }),
      thread: first.thread,
      update: true,
      idempotencyKey: 'd3',
    });
    const original = slack.message('C0ALERTS', ts)!;
    expect(original.updates).toBe(1);
    const buttons = JSON.stringify(original.blocks);
    expect(buttons).not.toContain('vigil_acknowledge');
    expect(buttons).toContain('vigil_resolve');
    const replies = slack.messages('C0ALERTS').filter((m) => m.threadTs === ts);
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies[1]!.blocks)).toContain('*Acknowledged* by alice@example.com');
  });

  it('starts a new thread when the message to update was deleted', async () => {
    const thread = { slack: { channel: 'C0ALERTS', ts: '1600000000.000001' } };
    const result = await providers.send({
      target,
      content: content('resolved', { status: 'resolved' }),
      thread,
      update: true,
      idempotencyKey: 'd1',
    });
    const [message] = slack.messages('C0ALERTS');
    expect(result.thread).toEqual({ slack: { channel: 'C0ALERTS', ts: message!.ts } });
    expect(message!.threadTs).toBeUndefined();
  });

  it('a bad token, a missing or archived channel, a message too long: permanent', async () => {
    const send = (request: Partial<SendRequest>) =>
      failure(providers.send({ target, content: content('created'), idempotencyKey: 'd', ...request }));
    const badToken = await send({ target: { ...target, botToken: 'xoxb-bad' } });
    expect([badToken.kind, badToken.message, badToken.providerResponse]).toEqual([
      'permanent',
      'Slack: invalid_auth',
      { error: 'invalid_auth' },
    ]);
    for (const code of ['channel_not_found', 'is_archived', 'not_in_channel', 'token_revoked', 'msg_too_long']) {
      slack.failNext(code);
      expect(await send({})).toMatchObject({ kind: 'permanent', providerResponse: { error: code } });
    }
  });

  it('a 429 is transient with Retry-After; so are 5xx, internal_error and a hang past the timeout', async () => {
    await providers.send({ target, content: content('created'), idempotencyKey: 'd1' });
    const limited = await failure(providers.send({ target, content: content('created'), idempotencyKey: 'd2' }));
    expect([limited.kind, limited.retryAfterMs]).toEqual(['transient', 1000]);
    expect(slack.requestsOf('chat.postMessage').map((r) => r.status)).toEqual([200, 429]);

    clock.advance(1000);
    slack.failNext([{ status: 429, retryAfterSeconds: 7 }, { status: 503 }, 'internal_error', 'hang']);
    const scripted = [];
    for (let i = 0; i < 3; i++)
      scripted.push(await failure(providers.send({ target, content: content('created'), idempotencyKey: `d${i}` })));
    const impatient = createProviders({ slackApiUrl: slack.apiUrl, timeoutMs: 300 });
    scripted.push(await failure(impatient.send({ target, content: content('created'), idempotencyKey: 'd3' })));
    await impatient.close();
    expect(scripted.map((e) => [e.kind, e.retryAfterMs])).toEqual([
      ['transient', 7000],
      ['transient', undefined],
      ['transient', undefined],
      ['transient', undefined],
    ]);
    expect(scripted[1]!.providerResponse).toEqual({ status: 503 });
    expect(scripted[3]!.message).toMatch(/^Slack: request failed/);
    expect(slack.requestsOf('chat.postMessage')).toHaveLength(6);
  });

  it("looks up a Slack user's email with users.info", async () => {
    slack.addUser({ id: 'U1', email: 'alice@example.com' }).addUser({ id: 'U2' });
    const options = { slackApiUrl: slack.apiUrl };
    expect(await slackUserEmail('xoxb-good', 'U1', options)).toBe('alice@example.com');
    expect(await slackUserEmail('xoxb-good', 'U2', options)).toBeUndefined();
    expect(await failure(slackUserEmail('xoxb-good', 'U3', options))).toMatchObject({
      kind: 'permanent',
      message: 'Slack: user_not_found',
    });
    expect(await failure(slackUserEmail('xoxb-bad', 'U1', options))).toMatchObject({ kind: 'permanent' });
  });
});

describe('Slack incoming-webhook provider, against the Slack stand-in', () => {
  const clock = manualClock('2026-12-02T12:00:00.000Z');
  let slack: SlackStandin;
  let providers: Providers;
  beforeEach(async () => {
    slack = await SlackStandin.start({ now: clock });
    providers = createProviders({ timeoutMs: 5000, allowedCidrs: LOOPBACK });
  });
  afterEach(async () => {
    await providers.close();
    await slack.close();
  });

  const send = (webhookUrl: string) =>
    providers.send({
      target: { kind: 'slack-webhook', webhookUrl },
      content: content('created'),
      idempotencyKey: 'd1',
    });

  it('posts the Block Kit message, with no thread to keep', async () => {
    expect(await send(slack.webhookUrl('T1/B1/one'))).toEqual({ providerResponse: { status: 200, text: 'ok' } });
    const [post] = slack.requestsOf('webhook');
    expect(post!.args.text).toBe(':red_circle: [CRITICAL] Pod payments-api-7d9 keeps restarting');
    expect(JSON.stringify(post!.args.blocks)).toContain('vigil_resolve');
  });

  it('a deleted or revoked webhook is permanent; 5xx, 429 and a hang transient', async () => {
    slack.revokeWebhook('T1/B1/gone').revokeWebhook('T1/B1/revoked', { status: 403, error: 'invalid_token' });
    expect(await failure(send(slack.webhookUrl('T1/B1/gone')))).toMatchObject({
      kind: 'permanent',
      providerResponse: { status: 404, body: 'no_service' },
    });
    expect(await failure(send(slack.webhookUrl('T1/B1/revoked')))).toMatchObject({
      kind: 'permanent',
      providerResponse: { status: 403, body: 'invalid_token' },
    });
    slack.failNext([{ status: 500 }, { status: 429, retryAfterSeconds: 3 }, 'hang'], 'webhook');
    const errors = [];
    for (let i = 0; i < 2; i++) errors.push(await failure(send(slack.webhookUrl('T1/B1/flaky'))));
    const impatient = createProviders({ timeoutMs: 300, allowedCidrs: LOOPBACK });
    const hung = impatient.send({
      target: { kind: 'slack-webhook', webhookUrl: slack.webhookUrl('T1/B1/flaky') },
      content: content('created'),
      idempotencyKey: 'd1',
    });
    errors.push(await failure(hung));
    await impatient.close();
    expect(errors.map((e) => [e.kind, e.retryAfterMs])).toEqual([
      ['transient', undefined],
      ['transient', 3000],
      ['transient', undefined],
    ]);
  });

  it('refuses a webhook URL on a private address not allowed, permanently, without sending', async () => {
    const strict = createProviders({ timeoutMs: 5000 });
    const refused = await failure(
      strict.send({
        target: { kind: 'slack-webhook', webhookUrl: slack.webhookUrl('T1/B1/x') },
        content: content('created'),
        idempotencyKey: 'd1',
      }),
    );
    expect(refused.kind).toBe('permanent');
    expect(refused.message).toContain('not a public address');
    expect(slack.requestsOf('webhook')).toEqual([]);
    await strict.close();
  });
});

describe('email provider, against a real SMTP server', () => {
  let smtp: SmtpStandin;
  let providers: Providers;
  const target = { kind: 'email' as const, to: ['oncall@example.com', 'sre@example.com'] };
  beforeEach(async () => {
    smtp = await SmtpStandin.start();
    providers = createProviders({
      smtpUrl: smtp.url,
      smtpFrom: 'Vigil <vigil@example.com>',
      timeoutMs: 5000,
      allowedCidrs: LOOPBACK,
    });
  });
  afterEach(async () => {
    await providers.close();
    await smtp.close();
  });

  it('sends HTML and text parts; follow-ups reply to the first Message-ID', async () => {
    const first = await providers.send({ target, content: content('created'), idempotencyKey: 'delivery-1' });
    expect(first.thread).toEqual({ email: { messageId: '<delivery-1@vigil>' } });
    const second = await providers.send({
      target,
      content: content('resolved', { status: 'resolved', by: 'bob' }),
      thread: first.thread,
      idempotencyKey: 'delivery-2',
    });
    expect(second.thread).toEqual(first.thread);
    expect(second.providerResponse).toMatchObject({
      messageId: '<delivery-2@vigil>',
      accepted: ['oncall@example.com', 'sre@example.com'],
      rejected: [],
    });
    expect(smtp.received).toHaveLength(2);
    const [created, resolved] = smtp.received;
    expect(created).toMatchObject({
      from: 'vigil@example.com',
      to: ['oncall@example.com', 'sre@example.com'],
      subject: '[CRITICAL] KubePodCrashLooping — payments',
      messageId: '<delivery-1@vigil>',
      references: [],
    });
    expect(created!.inReplyTo).toBeUndefined();
    expect(created!.text).toContain('New alert: [CRITICAL] Pod payments-api-7d9 keeps restarting');
    expect(created!.html).toContain(
      '<h2 style="margin: 0 0 8px;">[CRITICAL] Pod payments-api-7d9 keeps restarting</h2>',
    );
    expect(resolved).toMatchObject({
      subject: 'Re: [CRITICAL] KubePodCrashLooping — payments',
      messageId: '<delivery-2@vigil>',
      inReplyTo: '<delivery-1@vigil>',
      references: ['<delivery-1@vigil>'],
    });
  });

  it("uses the channel's own SMTP server and sender when it names them", async () => {
    const own = await SmtpStandin.start({ auth: { user: 'vigil', password: 'p@ss' } });
    try {
      await providers.send({
        target: { ...target, smtpUrl: own.url, from: 'alerts@team.example' },
        content: content('created'),
        idempotencyKey: 'd1',
      });
      expect(own.received.map((m) => [m.user, m.from])).toEqual([['vigil', 'alerts@team.example']]);
      expect(smtp.received).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('SMTP 4xx is transient, 5xx permanent, a refused connection transient', async () => {
    const send = () => failure(providers.send({ target, content: content('created'), idempotencyKey: 'd1' }));
    smtp.failNext(550);
    expect(await send()).toMatchObject({ kind: 'permanent', providerResponse: { responseCode: 550 } });
    smtp.failNext(451);
    expect(await send()).toMatchObject({ kind: 'transient', providerResponse: { responseCode: 451 } });
    // 421 closes the connection: the client sees it closed.
    smtp.failNext({ code: 421, stage: 'mail' });
    expect((await send()).kind).toBe('transient');
    const fresh = createProviders({ smtpUrl: smtp.url, timeoutMs: 2000 });
    smtp.failNext(421);
    expect((await failure(fresh.send({ target, content: content('created'), idempotencyKey: 'd1' }))).kind).toBe(
      'transient',
    );
    await fresh.close();
    expect(smtp.refused).toEqual([
      { code: 550, stage: 'rcpt' },
      { code: 451, stage: 'data' },
      { code: 421, stage: 'mail' },
      { code: 421, stage: 'connect' },
    ]);
    expect(smtp.received).toEqual([]);
    await providers.send({ target, content: content('created'), idempotencyKey: 'd2' });
    expect(smtp.received).toHaveLength(1);

    const down = await failure(
      providers.send({
        target: { ...target, smtpUrl: `smtp://127.0.0.1:${await refusedPort()}` },
        content: content('created'),
        idempotencyKey: 'd3',
      }),
    );
    expect(down.kind).toBe('transient');
  });

  it("refuses a channel's SMTP URL on a private address not allowed, permanently; SMTP_URL is trusted", async () => {
    const strict = createProviders({ smtpUrl: smtp.url, timeoutMs: 5000 });
    for (const host of ['127.0.0.1', 'localhost']) {
      const refused = await failure(
        strict.send({
          target: { ...target, smtpUrl: `smtp://${host}:${smtp.port}` },
          content: content('created'),
          idempotencyKey: 'd1',
        }),
      );
      expect([refused.kind, refused.message]).toEqual(['permanent', expect.stringContaining('not a public address')]);
    }
    expect(smtp.received).toEqual([]);
    await strict.send({ target, content: content('created'), idempotencyKey: 'd2' });
    expect(smtp.received).toHaveLength(1);
    await strict.close();
  });

  it('no SMTP server at all, or no recipients: permanent', async () => {
    const bare = createProviders({});
    expect(await failure(bare.send({ target, content: content('created'), idempotencyKey: 'd1' }))).toMatchObject({
      kind: 'permanent',
    });
    expect(
      await failure(
        providers.send({ target: { kind: 'email', to: [] }, content: content('created'), idempotencyKey: 'd1' }),
      ),
    ).toMatchObject({ kind: 'permanent' });
    await bare.close();
  });
});
