// The notification configuration through the gateway, as a tenant's managers meet it: channels (secrets
// sealed, never shown; a test send through a Slack stand-in), ordered routes with their dry run, and
// escalation policies; another tenant's ids are 404s, lesser roles 403s, and every bad input a 422 that
// names its field.
import type {
  ChannelTestResult,
  AlertView,
  ChannelView,
  EscalationPolicyView,
  Page,
  RouteTestResult,
  RouteView,
} from '@vigil/contracts';
import {
  call,
  createTestTenant,
  waitFor,
  login,
  RELAXED_RATE_LIMITS,
  SlackStandin,
  TEST_MODE,
  TestHarness,
  type Answer,
  type Auth,
  type TestTenant,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const BOT_TOKEN = `xoxb-secret-${RUN}`;
const SMTP_PASSWORD = `smtp-pw-${RUN}`;
const SIGNING_SECRET = `slack-signing-${RUN}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const CHANNELS = '/api/v1/notifications/channels';
const ROUTES = '/api/v1/notifications/routes';
const POLICIES = '/api/v1/notifications/escalation-policies';
const DELIVERIES = '/api/v1/notifications/deliveries';

type ErrorBody = { message: string; errors?: string[]; field?: string };

describe(`notification configuration API (${TEST_MODE})`, () => {
  let slack: SlackStandin;
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;

  const api = <T = Record<string, unknown>>(method: string, route: string, auth: Auth | undefined, body?: unknown) =>
    call<T>(system.url, method, route, { ...(auth && { auth }), body });
  const manager = (tenant: TestTenant) => tenant.users.manager.auth;

  function expectStatus<T>(answer: Answer<T>, status: number): T {
    expect([answer.status, answer.body]).toEqual([status, expect.anything()]);
    return answer.body;
  }

  /** A 422 whose message (or one of its errors) starts with `field:`. */
  function expectInvalid(answer: Answer<unknown>, field: string): void {
    const body = answer.body as ErrorBody;
    const lines = [body.message, ...(body.errors ?? [])];
    expect([answer.status, lines.some((line) => line.startsWith(`${field}:`) || line.includes(`: ${field}:`))]).toEqual(
      [422, true],
    );
  }

  const slackChannel = (name: string, token = BOT_TOKEN, channelId = 'C0ALERTS') => ({
    name,
    type: 'slack',
    config: { channelId },
    secrets: { botToken: token },
  });
  const emailChannel = (name: string) => ({
    name,
    type: 'email',
    config: { to: ['oncall@example.com'] },
    secrets: { smtpUrl: `smtp://vigil:${SMTP_PASSWORD}@mail.example.com:587` },
  });

  async function addChannel(tenant: TestTenant, body: object): Promise<ChannelView> {
    return expectStatus(await api<ChannelView>('POST', CHANNELS, manager(tenant), body), 201);
  }

  async function addRoute(tenant: TestTenant, body: object): Promise<RouteView> {
    return expectStatus(await api<RouteView>('POST', ROUTES, manager(tenant), body), 201);
  }

  async function rawChannel(id: string): Promise<Record<string, unknown>> {
    const db = system.dataSource('notification');
    const placeholder = db.options.type === 'postgres' ? '$1' : '?';
    const rows = (await db.query(
      `SELECT tenant_id, name, type, config, secret_names, secrets, created_by FROM notification_channels WHERE id = ${placeholder}`,
      [id],
    )) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  beforeAll(async () => {
    slack = await SlackStandin.start({ tokens: [BOT_TOKEN] });
    system = await TestHarness.system({
      // NOTIFY_ALLOWED_CIDRS unset: webhook URLs on private addresses are refused. Creating the users hashes
      // their passwords (scrypt, about 0.3 s of a core each): a busy shared machine needs more than 5 s.
      env: {
        ...RELAXED_RATE_LIMITS,
        SLACK_API_URL: slack.apiUrl,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        RPC_TIMEOUT_MS: '30000',
      },
    });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    const scopes = ['alerts:read', 'alerts:write', 'notifications:write'];
    a = await createTestTenant(system.url, platform, `notify-a-${RUN}`, { scopes });
    b = await createTestTenant(system.url, platform, `notify-b-${RUN}`, { scopes });
  }, 90_000);

  // Each test starts from tenants without configuration, whatever the one before left.
  afterEach(async () => {
    for (const tenant of [a, b]) {
      for (const route of (await api<Page<RouteView>>('GET', ROUTES, manager(tenant))).body.items ?? [])
        await api('DELETE', `${ROUTES}/${route.id}`, manager(tenant));
      for (const policy of (await api<Page<EscalationPolicyView>>('GET', POLICIES, manager(tenant))).body.items ?? [])
        await api('DELETE', `${POLICIES}/${policy.id}`, manager(tenant));
      for (const channel of (await api<Page<ChannelView>>('GET', CHANNELS, manager(tenant))).body.items ?? [])
        await api('DELETE', `${CHANNELS}/${channel.id}`, manager(tenant));
    }
  });

  afterAll(async () => {
    await system?.close();
    await slack?.close();
  });

  it('adds, lists, reads, changes and removes channels with exact statuses; secrets never come back', async () => {
    const created = await addChannel(a, slackChannel('ops'));
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      name: 'ops',
      type: 'slack',
      config: { channelId: 'C0ALERTS' },
      secretsSet: ['botToken'],
      healthy: true,
      lastError: null,
      lastErrorAt: null,
      createdAt: expect.any(String),
      updatedAt: created.createdAt,
    });
    const mail = await addChannel(a, emailChannel('mail'));
    expect(mail).toMatchObject({ type: 'email', config: { to: ['oncall@example.com'] }, secretsSet: ['smtpUrl'] });
    const answers: unknown[] = [created, mail];
    const listed = await api<Page<ChannelView>>('GET', CHANNELS, manager(a));
    answers.push(listed.body);
    expect(expectStatus(listed, 200)).toEqual({ items: [mail, created], nextCursor: null });
    const got = await api<ChannelView>('GET', `${CHANNELS}/${created.id}`, a.users.viewer.auth);
    answers.push(got.body);
    expect(expectStatus(got, 200)).toEqual(created);

    const renamed = await api<ChannelView>('PATCH', `${CHANNELS}/${created.id}`, manager(a), {
      name: 'ops-renamed',
      secrets: { botToken: `${BOT_TOKEN}-rotated` },
    });
    answers.push(renamed.body);
    expect(expectStatus(renamed, 200)).toEqual({ ...created, name: 'ops-renamed', updatedAt: expect.any(String) });
    const noSmtp = await api<ChannelView>('PATCH', `${CHANNELS}/${mail.id}`, manager(a), {
      secrets: { smtpUrl: null },
    });
    answers.push(noSmtp.body);
    expect(expectStatus(noSmtp, 200).secretsSet).toEqual([]);
    for (const answer of answers) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(BOT_TOKEN);
      expect(text).not.toContain(SMTP_PASSWORD);
    }
    // Stored sealed, bound to the row: the token is nowhere in it.
    const row = await rawChannel(created.id);
    expect(row).toMatchObject({ tenant_id: a.id, name: 'ops-renamed', secret_names: '["botToken"]' });
    expect(String(row['secrets'])).not.toContain(BOT_TOKEN);
    expect(String(row['secrets'])).toMatch(/^[A-Za-z0-9._-]+:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);

    const taken = await api<ErrorBody>('POST', CHANNELS, manager(a), emailChannel('mail'));
    expect([taken.status, taken.body.field]).toEqual([409, 'name']);
    const removed = await api('DELETE', `${CHANNELS}/${created.id}`, manager(a));
    expect([removed.status, removed.body]).toEqual([204, '']);
    expect((await api('GET', `${CHANNELS}/${created.id}`, manager(a))).status).toBe(404);
    expect((await api('DELETE', `${CHANNELS}/${created.id}`, manager(a))).status).toBe(404);
    expect((await api('PATCH', `${CHANNELS}/${MISSING_ID}`, manager(a), { name: 'x' })).status).toBe(404);
  });

  it('sends a test message through the provider and answers what it said; a refused token marks the channel unhealthy', async () => {
    const good = await addChannel(a, slackChannel('test-good'));
    const before = slack.requestsOf('chat.postMessage').length;
    const sent = expectStatus(
      await api<ChannelTestResult>('POST', `${CHANNELS}/${good.id}/test`, manager(a), { message: `hello ${RUN}` }),
      200,
    );
    expect(sent).toMatchObject({ ok: true, error: null, errorKind: null, providerResponse: { ok: true } });
    expect(sent.channel.healthy).toBe(true);
    const posted = slack.requestsOf('chat.postMessage').slice(before);
    expect(posted).toHaveLength(1);
    expect([posted[0]!.token, posted[0]!.args['channel'], posted[0]!.status]).toEqual([BOT_TOKEN, 'C0ALERTS', 200]);
    expect(JSON.stringify(posted[0]!.args)).toContain(`hello ${RUN}`);
    expectInvalid(await api('POST', `${CHANNELS}/${good.id}/test`, manager(a), { colour: 'red' }), 'colour');

    const bad = await addChannel(a, slackChannel('test-bad', `xoxb-revoked-${RUN}`));
    const refused = expectStatus(await api<ChannelTestResult>('POST', `${CHANNELS}/${bad.id}/test`, manager(a)), 200);
    expect(refused).toMatchObject({ ok: false, errorKind: 'permanent' });
    expect(refused.error).toMatch(/invalid_auth/);
    expect(refused.channel).toMatchObject({
      healthy: false,
      lastError: refused.error,
      lastErrorAt: expect.any(String),
    });
    expect(JSON.stringify(refused)).not.toContain('xoxb-revoked');
    // Changing the secret makes it healthy again.
    const fixed = await api<ChannelView>('PATCH', `${CHANNELS}/${bad.id}`, manager(a), {
      secrets: { botToken: BOT_TOKEN },
    });
    expect(expectStatus(fixed, 200)).toMatchObject({ healthy: true, lastError: null, lastErrorAt: null });
  });

  it("keeps each tenant's configuration to itself: another tenant's ids answer 404 or a 422 naming the field", async () => {
    const mine = await addChannel(a, slackChannel('isolated'));
    const route = await addRoute(a, { name: 'isolated', channelIds: [mine.id] });
    const byB = manager(b);
    for (const [method, path, body] of [
      ['GET', `${CHANNELS}/${mine.id}`, undefined],
      ['PATCH', `${CHANNELS}/${mine.id}`, { name: 'stolen' }],
      ['DELETE', `${CHANNELS}/${mine.id}`, undefined],
      ['POST', `${CHANNELS}/${mine.id}/test`, undefined],
      ['GET', `${ROUTES}/${route.id}`, undefined],
      ['PATCH', `${ROUTES}/${route.id}`, { continue: true }],
      ['DELETE', `${ROUTES}/${route.id}`, undefined],
    ] as const)
      expect([method, path, (await api(method, path, byB, body)).status]).toEqual([method, path, 404]);
    expectInvalid(await api('POST', ROUTES, byB, { name: 'borrow', channelIds: [mine.id] }), 'channelIds.0');
    expectInvalid(
      await api('POST', POLICIES, byB, { name: 'borrow', steps: [{ waitMinutes: 5, channelIds: [mine.id] }] }),
      'steps.0.channelIds.0',
    );
    expect(expectStatus(await api<Page<ChannelView>>('GET', CHANNELS, byB), 200).items).toEqual([]);
    expect(expectStatus(await api<Page<RouteView>>('GET', ROUTES, byB), 200).items).toEqual([]);
    // The same name is free in another tenant, and the dry run of B never reaches A's channel.
    await addChannel(b, slackChannel('isolated'));
    const dry = expectStatus(
      await api<RouteTestResult>('POST', `${ROUTES}/test`, byB, { alertType: 'X', severity: 'critical' }),
      200,
    );
    expect(dry).toEqual({ eventKind: 'created', routes: [], channels: [] });
    expect(expectStatus(await api<ChannelView>('GET', `${CHANNELS}/${mine.id}`, manager(a)), 200)).toEqual(mine);
  });

  it('lets managers and admins (and notifications:write keys) write, everyone read', async () => {
    const body = slackChannel('by-role');
    for (const role of ['operator', 'viewer'] as const) {
      expect([role, (await api('POST', CHANNELS, a.users[role].auth, body)).status]).toEqual([role, 403]);
      expect([
        role,
        (await api('POST', ROUTES, a.users[role].auth, { name: 'r', channelIds: [MISSING_ID] })).status,
      ]).toEqual([role, 403]);
      expect([role, (await api('GET', CHANNELS, a.users[role].auth)).status]).toEqual([role, 200]);
      expect([role, (await api('GET', DELIVERIES, a.users[role].auth)).status]).toEqual([role, 200]);
    }
    expect((await api('POST', CHANNELS, { apiKey: a.keys['alerts:read']!.key }, body)).status).toBe(403);
    expect((await api('POST', CHANNELS, { apiKey: a.keys['alerts:write']!.key }, body)).status).toBe(403);
    expect((await api('POST', CHANNELS, undefined, body)).status).toBe(401);
    const byKey = expectStatus(
      await api<ChannelView>('POST', CHANNELS, { apiKey: a.keys['notifications:write']!.key }, body),
      201,
    );
    const byAdmin = expectStatus(
      await api<ChannelView>('POST', CHANNELS, a.users.admin.auth, slackChannel('by-admin')),
      201,
    );
    expect((await api('DELETE', `${CHANNELS}/${byKey.id}`, a.users.viewer.auth)).status).toBe(403);
    expect((await api('POST', `${CHANNELS}/${byKey.id}/test`, a.users.operator.auth)).status).toBe(403);
    expect(
      expectStatus(
        await api<Page<ChannelView>>('GET', CHANNELS, { apiKey: a.keys['alerts:read']!.key }),
        200,
      ).items.map((channel) => channel.id),
    ).toEqual([byAdmin.id, byKey.id]);
  });

  it('refuses every bad channel with a 422 naming the field', async () => {
    const cases: [object, string][] = [
      [{ name: 'x', type: 'pager' }, 'type'],
      [{ name: '', type: 'slack' }, 'name'],
      [{ ...slackChannel('x'), colour: 'red' }, 'colour'],
      [{ name: 'x', type: 'slack', secrets: { botToken: BOT_TOKEN } }, 'config.channelId'],
      [{ name: 'x', type: 'slack', config: { channelId: 'C1' } }, 'secrets.botToken'],
      [
        { name: 'x', type: 'slack', config: { channelId: 'C1', colour: 'red' }, secrets: { botToken: 'x' } },
        'config.colour',
      ],
      [
        { name: 'x', type: 'slack-webhook', secrets: { webhookUrl: 'http://hooks.example.com/services/T/B/X' } },
        'secrets.webhookUrl',
      ],
      [
        { name: 'x', type: 'slack-webhook', secrets: { webhookUrl: 'https://10.0.0.7/services/T/B/X' } },
        'secrets.webhookUrl',
      ],
      [{ name: 'x', type: 'slack-webhook', secrets: { webhookUrl: 'not a url' } }, 'secrets.webhookUrl'],
      [{ name: 'x', type: 'email', config: { to: ['ok@example.com', 'not-an-address'] } }, 'config.to.1'],
      [{ name: 'x', type: 'email', config: { to: [] } }, 'config.to'],
      [
        { name: 'x', type: 'email', config: { to: ['a@example.com'] }, secrets: { smtpUrl: 'http://mail' } },
        'secrets.smtpUrl',
      ],
    ];
    for (const [body, field] of cases) expectInvalid(await api('POST', CHANNELS, manager(a), body), field);
    const channel = await addChannel(a, slackChannel('patched'));
    expectInvalid(await api('PATCH', `${CHANNELS}/${channel.id}`, manager(a), { type: 'email' }), 'type');
    expectInvalid(
      await api('PATCH', `${CHANNELS}/${channel.id}`, manager(a), { config: { channelId: 'has spaces!' } }),
      'config.channelId',
    );
    expectInvalid(await api('GET', `${CHANNELS}/not-a-uuid`, manager(a)), 'id');
    expect(expectStatus(await api<Page<ChannelView>>('GET', CHANNELS, manager(a)), 200).items).toEqual([channel]);
  });

  it('refuses every bad route and policy with a 422 naming the field', async () => {
    const slackCh = await addChannel(a, slackChannel('route-slack'));
    const valid = { name: 'r', channelIds: [slackCh.id] };
    const cases: [object, string][] = [
      [{ ...valid, channelIds: [] }, 'channelIds'],
      [{ ...valid, channelIds: [MISSING_ID] }, 'channelIds.0'],
      [{ ...valid, fallbackEmailChannelId: slackCh.id }, 'fallbackEmailChannelId'],
      [{ ...valid, fallbackEmailChannelId: MISSING_ID }, 'fallbackEmailChannelId'],
      [{ ...valid, escalationPolicyId: MISSING_ID }, 'escalationPolicyId'],
      [{ ...valid, minSeverity: 'urgent' }, 'minSeverity'],
      [{ ...valid, labelMatchers: [{ name: 'service', op: '~', value: 'x' }] }, 'labelMatchers.0.op'],
      [{ ...valid, labelMatchers: [{ name: 'service', op: '=~', value: '(a)\\1' }] }, 'labelMatchers.0.value'],
      [{ ...valid, labelMatchers: [{ name: 'service', op: '=~', value: '(?=x)' }] }, 'labelMatchers.0.value'],
      [{ ...valid, eventKinds: ['exploded'] }, 'eventKinds'],
      [{ ...valid, groupBy: ['not a label'] }, 'groupBy'],
      [{ ...valid, groupWaitSeconds: 3601 }, 'groupWaitSeconds'],
      [{ ...valid, groupIntervalSeconds: 0 }, 'groupIntervalSeconds'],
      [{ ...valid, repeatIntervalSeconds: 30 }, 'repeatIntervalSeconds'],
      [
        { ...valid, quietHours: { timeZone: 'Mars/Olympus_Mons', start: '22:00', end: '07:00' } },
        'quietHours.timeZone',
      ],
      [{ ...valid, quietHours: { timeZone: 'Europe/Paris', start: '24:00', end: '07:00' } }, 'quietHours.start'],
      [
        { ...valid, quietHours: { timeZone: 'Europe/Paris', start: '22:00', end: '07:00', days: ['funday'] } },
        'quietHours.days',
      ],
      [{ ...valid, position: -1 }, 'position'],
    ];
    for (const [body, field] of cases) expectInvalid(await api('POST', ROUTES, manager(a), body), field);
    const policyCases: [object, string][] = [
      [{ name: 'p', steps: [] }, 'steps'],
      [{ name: 'p', steps: [{ waitMinutes: 1441, channelIds: [slackCh.id] }] }, 'steps.0.waitMinutes'],
      [{ name: 'p', steps: [{ waitMinutes: 5, channelIds: [MISSING_ID] }] }, 'steps.0.channelIds.0'],
      [{ name: 'p', steps: [{ waitMinutes: 5, channelIds: [slackCh.id] }], repeat: 11 }, 'repeat'],
    ];
    for (const [body, field] of policyCases) expectInvalid(await api('POST', POLICIES, manager(a), body), field);
    const route = await addRoute(a, valid);
    expectInvalid(
      await api('PATCH', `${ROUTES}/${route.id}`, manager(a), {
        quietHours: { timeZone: 'UTC+25', start: '01:00', end: '02:00' },
      }),
      'quietHours.timeZone',
    );
    expectInvalid(
      await api('PATCH', `${ROUTES}/${route.id}`, manager(a), { channelIds: [MISSING_ID] }),
      'channelIds.0',
    );
    expectInvalid(await api('GET', `${DELIVERIES}?status=lost`, manager(a)), 'status');
    expectInvalid(await api('GET', `${DELIVERIES}?alert_id=nope`, manager(a)), 'alert_id');
    expect(expectStatus(await api<Page<RouteView>>('GET', ROUTES, manager(a)), 200).items).toEqual([route]);
  });

  it('keeps routes in order, and the dry run says which routes and channels an alert reaches', async () => {
    const ops = await addChannel(a, slackChannel('dry-ops'));
    const pay = await addChannel(a, slackChannel('dry-payments'));
    const mail = await addChannel(a, emailChannel('dry-mail'));
    const policy = expectStatus(
      await api<EscalationPolicyView>('POST', POLICIES, manager(a), {
        name: 'page twice',
        steps: [
          { waitMinutes: 10, channelIds: [ops.id] },
          { waitMinutes: 20, channelIds: [mail.id] },
        ],
        repeat: 1,
      }),
      201,
    );
    expect(policy).toEqual({
      id: expect.stringMatching(UUID),
      name: 'page twice',
      steps: [
        { waitMinutes: 10, channelIds: [ops.id] },
        { waitMinutes: 20, channelIds: [mail.id] },
      ],
      repeat: 1,
      createdAt: expect.any(String),
      updatedAt: policy.createdAt,
    });
    const everything = await addRoute(a, { name: 'everything', channelIds: [ops.id] });
    expect(everything).toMatchObject({
      position: 0,
      minSeverity: null,
      alertTypes: [],
      labelMatchers: [],
      eventKinds: ['created', 'retriggered', 'acknowledged', 'resolved', 'analysed'],
      continue: false,
      groupBy: [],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
      repeatIntervalSeconds: 14400,
      quietHours: null,
      escalationPolicyId: null,
      fallbackEmailChannelId: null,
    });
    const payments = await addRoute(a, {
      name: 'payments',
      position: 0,
      channelIds: [pay.id],
      minSeverity: 'high',
      alertTypes: ['Kube*'],
      labelMatchers: [{ name: 'service', op: '=~', value: 'pay.*' }],
      continue: true,
      fallbackEmailChannelId: mail.id,
      escalationPolicyId: policy.id,
      quietHours: { timeZone: 'Europe/Paris', start: '22:00', end: '07:00', overrideSeverity: 'critical' },
    });
    expect(payments).toMatchObject({
      position: 0,
      quietHours: {
        timeZone: 'Europe/Paris',
        start: '22:00',
        end: '07:00',
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        overrideSeverity: 'critical',
      },
    });
    const resolvedOnly = await addRoute(a, { name: 'resolved only', channelIds: [mail.id], eventKinds: ['resolved'] });
    const order = async () =>
      expectStatus(await api<Page<RouteView>>('GET', ROUTES, a.users.viewer.auth), 200).items.map((r) => [
        r.name,
        r.position,
      ]);
    expect(await order()).toEqual([
      ['payments', 0],
      ['everything', 1],
      ['resolved only', 2],
    ]);

    const dry = (body: object) =>
      api<RouteTestResult>('POST', `${ROUTES}/test`, a.users.viewer.auth, body).then((answer) =>
        expectStatus(answer, 200),
      );
    const summary = (result: RouteTestResult) => ({
      routes: result.routes.map((r) => `${r.name}:${r.notified}`),
      channels: result.channels.map((c) => c.name),
    });
    const crash = { alertType: 'KubePodCrashLooping', severity: 'critical', labels: { service: 'payments' } };
    expect(summary(await dry(crash))).toEqual({
      routes: ['payments:true', 'everything:true'],
      channels: ['dry-payments', 'dry-ops'],
    });
    expect(summary(await dry({ ...crash, severity: 'warning' }))).toEqual({
      routes: ['everything:true'],
      channels: ['dry-ops'],
    });
    expect(summary(await dry({ ...crash, labels: { service: 'api-payments' } }))).toEqual({
      routes: ['everything:true'],
      channels: ['dry-ops'],
    });
    expect(summary(await dry({ ...crash, eventKind: 'note' }))).toEqual({
      routes: ['payments:false', 'everything:false'],
      channels: [],
    });

    // Moving a route: the others close up; removing one renumbers the rest.
    const moved = expectStatus(
      await api<RouteView>('PATCH', `${ROUTES}/${resolvedOnly.id}`, manager(a), { position: 0, continue: true }),
      200,
    );
    expect(moved).toMatchObject({ position: 0, continue: true });
    expect(await order()).toEqual([
      ['resolved only', 0],
      ['payments', 1],
      ['everything', 2],
    ]);
    expect(summary(await dry({ ...crash, eventKind: 'resolved' }))).toEqual({
      routes: ['resolved only:true', 'payments:true', 'everything:true'],
      channels: ['dry-mail', 'dry-payments', 'dry-ops'],
    });
    // What routes and policies use cannot be removed.
    const inUse = await api<ErrorBody>('DELETE', `${CHANNELS}/${mail.id}`, manager(a));
    expect(inUse.status).toBe(409);
    expect(inUse.body.message).toContain('route "payments"');
    expect(inUse.body.message).toContain('escalation policy "page twice"');
    expect((await api('DELETE', `${POLICIES}/${policy.id}`, manager(a))).status).toBe(409);
    expect((await api('DELETE', `${ROUTES}/${moved.id}`, manager(a))).status).toBe(204);
    expect(await order()).toEqual([
      ['payments', 0],
      ['everything', 1],
    ]);
    expect(
      expectStatus(
        await api<RouteView>('PATCH', `${ROUTES}/${payments.id}`, manager(a), { escalationPolicyId: null }),
        200,
      ).escalationPolicyId,
    ).toBeNull();
    expect((await api('DELETE', `${POLICIES}/${policy.id}`, manager(a))).status).toBe(204);
  });

  it("applies Slack button clicks with the clicking user's rights, and refuses forged, stale and replayed ones", async () => {
    const url = `${system.url}/api/v1/notifications/slack/actions`;
    const channel = await addChannel(a, slackChannel('clicks', BOT_TOKEN, 'C0CLICKS'));
    await addRoute(a, { name: 'all alerts', channelIds: [channel.id] });
    slack.addUser({ id: 'U0OPERATOR', email: a.users.operator.email });
    slack.addUser({ id: 'U0VIEWER', email: a.users.viewer.email });
    slack.addUser({ id: 'U0STRANGER', email: `nobody-${RUN}@example.com` });
    const fired = expectStatus(
      await api<{ ids: string[] }>('POST', '/api/v1/alerts', a.users.operator.auth, {
        alert_type: 'DiskFull',
        runbook: 'https://wiki.example.com/disk',
        severity: 'critical',
        labels: { host: 'db1', service: 'payments' },
      }),
      202,
    );
    const alertId = fired.ids[0]!;
    const message = await waitFor(
      () => slack.messages('C0CLICKS').find((posted) => JSON.stringify(posted.blocks ?? []).includes(alertId)),
      // From the alert's ingest to the engine's send, through the broker: seconds on a busy machine.
      { what: "the alert's Slack message", timeoutMs: 45_000 },
    );
    const click = (
      actionId: string,
      userId: string,
      extra: { timestamp?: number; signature?: string; signingSecret?: string } = {},
    ) =>
      slack.clickButton({
        url,
        signingSecret: SIGNING_SECRET,
        actionId,
        value: alertId,
        channel: 'C0CLICKS',
        messageTs: message.ts,
        user: { id: userId },
        ...extra,
      });
    const status = async () =>
      expectStatus(await api<AlertView>('GET', `/api/v1/alerts/${alertId}`, manager(a)), 200).status;

    // Forged (another secret, a made-up signature) and stale (ten minutes old): 401, nothing changed.
    expect((await click('vigil_acknowledge', 'U0OPERATOR', { signingSecret: 'not-the-secret' })).status).toBe(401);
    expect((await click('vigil_acknowledge', 'U0OPERATOR', { signature: `v0=${'0'.repeat(64)}` })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect((await click('vigil_acknowledge', 'U0OPERATOR', { timestamp: stale })).status).toBe(401);
    expect(await status()).toBe('triggered');

    // Someone Vigil does not know, and a viewer: answered, nothing changed.
    const stranger = await click('vigil_acknowledge', 'U0STRANGER');
    expect([stranger.status, JSON.parse(stranger.body).text]).toEqual([
      200,
      expect.stringContaining('is not an active Vigil user'),
    ]);
    const viewer = await click('vigil_resolve', 'U0VIEWER');
    expect([viewer.status, JSON.parse(viewer.body).text]).toEqual([200, expect.stringContaining('your role (viewer)')]);
    expect(await status()).toBe('triggered');

    // The operator acknowledges: done as that user; the same signed request again is a replay.
    const signed = slack.blockActionRequest({
      signingSecret: SIGNING_SECRET,
      actionId: 'vigil_acknowledge',
      value: alertId,
      channel: 'C0CLICKS',
      messageTs: message.ts,
      user: { id: 'U0OPERATOR' },
    });
    const acked = await SlackStandin.deliver(url, signed);
    expect([acked.status, JSON.parse(acked.body)]).toEqual([
      200,
      { response_type: 'ephemeral', replace_original: false, text: `Alert acknowledged by ${a.users.operator.email}.` },
    ]);
    const alert = expectStatus(await api<AlertView>('GET', `/api/v1/alerts/${alertId}`, manager(a)), 200);
    expect([alert.status, alert.acknowledged?.by]).toEqual(['acknowledged', a.users.operator.id]);
    // The engine updates the alert's Slack message with the new status (chat.update on the same ts).
    await waitFor(() => (slack.message('C0CLICKS', message.ts)?.updates ?? 0) >= 1, {
      what: 'the Slack message updated after the acknowledgement',
      timeoutMs: 45_000,
    });
    expect((await SlackStandin.deliver(url, signed)).status).toBe(401);

    // Silence 1h matches the alert's labels; resolve ends it.
    const silenced = await click('vigil_silence_1h', 'U0OPERATOR');
    expect(JSON.parse(silenced.body).text).toBe(`Alert silenced for 1 hour by ${a.users.operator.email}.`);
    const silences = expectStatus(
      await api<{ items: { matchers: unknown[]; comment: string | null }[] }>('GET', '/api/v1/silences', manager(a)),
      200,
    );
    expect(silences.items.map((silence) => silence.matchers)).toEqual([
      [
        { name: 'host', op: '=', value: 'db1' },
        { name: 'service', op: '=', value: 'payments' },
      ],
    ]);
    const resolved = await click('vigil_resolve', 'U0OPERATOR');
    expect(JSON.parse(resolved.body).text).toBe(`Alert resolved by ${a.users.operator.email}.`);
    expect(await status()).toBe('resolved');
    // A JSON body is not what Slack sends: 415 before anything is read.
    const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
  }, 60_000);
});
