// A new user's path through the whole system (all six services; embedded broker + SQLite, or RabbitMQ
// + PostgreSQL): a manager adds a Slack channel, an email channel and a route; an Alertmanager alert
// arrives at the webhook and reaches Slack once and the inbox once; an operator acknowledges it and the
// Slack message is updated in place, the email answered in its thread; the deliveries list shows it all.
import type { ChannelView, DeliveryView, Page } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  login,
  RELAXED_RATE_LIMITS,
  SlackStandin,
  SmtpStandin,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Auth,
  type TestTenant,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const BOT_TOKEN = `xoxb-system-${RUN}`;

describe(`notifications end to end (${TEST_MODE})`, () => {
  let slack: SlackStandin;
  let smtp: SmtpStandin;
  let system: TestHarness;
  let tenant: TestTenant;

  const api = <T = Record<string, unknown>>(method: string, route: string, auth: Auth, body?: unknown) =>
    call<T>(system.url, method, route, { auth, ...(body !== undefined && { body }) });

  beforeAll(async () => {
    slack = await SlackStandin.start({ tokens: [BOT_TOKEN] });
    smtp = await SmtpStandin.start();
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
        SLACK_API_URL: slack.apiUrl,
        SMTP_URL: smtp.url,
        SMTP_FROM: 'Vigil <vigil@example.test>',
        PUBLIC_URL: 'https://vigil.example.test',
        RPC_TIMEOUT_MS: '30000',
      },
    });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    tenant = await createTestTenant(system.url, platform, `notify-e2e-${RUN}`, { scopes: ['alerts:write'] });
  }, 120_000);

  afterAll(async () => {
    await system?.close();
    await slack?.close();
    await smtp?.close();
  });

  it('sends an Alertmanager alert to Slack and by email once, and updates the Slack message when it is acknowledged', async () => {
    const manager = tenant.users.manager.auth;
    const channelId = 'C0PAYMENTS';
    const slackChannel = await api<ChannelView>('POST', '/api/v1/notifications/channels', manager, {
      name: 'payments-slack',
      type: 'slack',
      config: { channelId },
      secrets: { botToken: BOT_TOKEN },
    });
    const emailChannel = await api<ChannelView>('POST', '/api/v1/notifications/channels', manager, {
      name: 'payments-email',
      type: 'email',
      config: { to: ['payments-oncall@example.test'] },
    });
    expect([slackChannel.status, emailChannel.status]).toEqual([201, 201]);
    const route = await api('POST', '/api/v1/notifications/routes', manager, {
      name: 'payments',
      labelMatchers: [{ name: 'service', op: '=', value: 'payments' }],
      channelIds: [slackChannel.body.id, emailChannel.body.id],
    });
    expect(route.status).toBe(201);

    const accepted = await api(
      'POST',
      '/api/v1/webhooks/alertmanager',
      { apiKey: tenant.keys['alerts:write']!.key },
      {
        version: '4',
        status: 'firing',
        receiver: 'vigil',
        groupLabels: { alertname: 'KubePodCrashLooping' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example.test',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'KubePodCrashLooping', severity: 'critical', service: 'payments', namespace: 'prod' },
            annotations: {
              summary: 'Pod payments-7d9 is crash looping',
              runbook_url: 'https://runbooks.example.test/crashloop',
            },
            startsAt: new Date().toISOString(),
            generatorURL: 'http://prometheus.example.test/graph',
            fingerprint: `crashloop-${RUN}`,
          },
        ],
      },
    );
    expect(accepted.status).toBe(202);

    const [message] = await waitFor(() => slack.messages(channelId).length === 1 && slack.messages(channelId), {
      what: 'the Slack message',
      timeoutMs: 30_000,
    });
    const mail = await waitFor(() => smtp.received.find((m) => m.to.includes('payments-oncall@example.test')), {
      what: 'the email',
      timeoutMs: 30_000,
    });
    expect(mail.subject).toBe('[CRITICAL] KubePodCrashLooping — payments');
    const [first] = await waitFor(
      async () => {
        const page = await api<Page<DeliveryView>>('GET', '/api/v1/notifications/deliveries', manager);
        return (
          page.body.items?.length === 2 && page.body.items.every((d) => d.status === 'delivered') && page.body.items
        );
      },
      { what: 'two deliveries delivered' },
    );
    const alertId = first!.alertId;

    const ack = await api('PUT', `/api/v1/alerts/${alertId}/acknowledge`, tenant.users.operator.auth, {
      note: 'on it',
    });
    expect(ack.status).toBe(200);
    await waitFor(() => slack.message(channelId, message!.ts)?.updates === 1, {
      what: 'the Slack message updated',
      timeoutMs: 30_000,
    });
    await waitFor(() => smtp.received.find((m) => m.inReplyTo === mail.messageId), { what: 'the email reply' });
    const page = await waitFor(
      async () => {
        const answer = await api<Page<DeliveryView>>(
          'GET',
          `/api/v1/notifications/deliveries?alert_id=${alertId}`,
          manager,
        );
        return (
          answer.body.items?.length === 4 && answer.body.items.every((d) => d.status === 'delivered') && answer.body
        );
      },
      { what: 'four deliveries delivered' },
    );
    expect(page.items.map((d) => d.kind).sort()).toEqual(['acknowledged', 'acknowledged', 'created', 'created']);
    expect(slack.messages(channelId)).toHaveLength(2);
    expect(smtp.received.filter((m) => m.to.includes('payments-oncall@example.test'))).toHaveLength(2);
  });
});
