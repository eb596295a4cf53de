// The notification engine over the real bus and database (embedded broker + SQLite, or RabbitMQ +
// PostgreSQL with row-level security), Slack replaced by a stand-in that checks what Slack checks and
// email by a real SMTP server, on a ManualClock: an alert's first message on Slack and by email, the
// acknowledgement updating the Slack message and threading the email, redelivered events sending
// nothing twice, a storm grouped, quiet hours held into a digest, escalation, retries, a permanent
// failure with its email fallback, and all of it in the deliveries list.
import { RoutingKeys, RpcPatterns, type ChannelView, type Envelope } from '@vigil/contracts';
import { waitFor } from '@vigil/testing';
import { DeliveryRetention } from '../src/deliveries/retention.service.js';
import {
  ACTOR,
  acknowledged,
  alertOf,
  allDeliveries,
  created,
  deliveries,
  emailChannel,
  escalationPolicy,
  publish,
  route,
  slackChannel,
  startRig,
  tick,
  type NotifyRig,
} from './support.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

describe('notification engine', () => {
  let rig: NotifyRig;

  beforeAll(async () => {
    rig = await startRig();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  // Each case has its own tenant, so their routes and deliveries never meet.
  beforeEach(() => {
    rig.tenantId = `t-${Math.random().toString(16).slice(2, 12)}`;
  });

  it('sends an alert to Slack and by email once, updates the Slack message on acknowledgement and threads the email', async () => {
    const slack = await slackChannel(rig);
    const email = await emailChannel(rig, 'payments-oncall@example.test');
    await route(rig, { channelIds: [slack.id, email.id] });
    const alert = alertOf(rig);
    const envelope = await created(rig, alert);

    const channel = slack.config['channelId'] as string;
    const [first] = await waitFor(() => rig.slack.messages(channel).length === 1 && rig.slack.messages(channel), {
      what: 'the Slack message',
    });
    const mail = await waitFor(() => rig.smtp.received[0], { what: 'the email' });
    expect(mail.to).toEqual(['payments-oncall@example.test']);
    expect(mail.subject).toContain('KubePodCrashLooping');
    expect(mail.text).toBeTruthy();
    expect(mail.html).toBeTruthy();

    // The same envelope again (a redelivery): nothing new is sent.
    await rig.harness.publishRaw(envelope as Envelope<object>);

    await acknowledged(rig, alert);
    await waitFor(async () => (await deliveries(rig, { alertId: alert.alertId })).length === 4, {
      what: 'the acknowledgement planned',
    });
    // Slack takes one message a second per channel: the acknowledgement goes at the channel's next turn.
    rig.clock.advance(SECOND);
    await tick(rig);
    await waitFor(() => rig.slack.message(channel, first!.ts)?.updates === 1, { what: 'the Slack message updated' });
    const ackMail = await waitFor(() => rig.smtp.received.find((m) => m.inReplyTo && m.inReplyTo === mail.messageId), {
      what: 'the acknowledgement email in the thread',
    });
    expect(ackMail.references).toContain(mail.messageId);
    const replies = rig.slack.messages(channel).filter((m) => m.threadTs === first!.ts);
    expect(replies).toHaveLength(1);

    const listed = await waitFor(
      async () => {
        const rows = await deliveries(rig, { alertId: alert.alertId });
        return rows.every((d) => d.status === 'delivered') && rows.length === 4 && rows;
      },
      { what: 'four delivered deliveries' },
    );
    expect(new Set(listed.map((d) => d.kind))).toEqual(new Set(['created', 'acknowledged']));
    expect(listed.every((d) => d.attempts.length === 1 && d.attempts[0]!.ok)).toBe(true);
    const delivered = rig.harness.eventsOf<{ deliveryId: string }>(RoutingKeys.NotificationDelivered);
    expect(listed.every((d) => delivered.filter((e) => e.payload.deliveryId === d.id).length === 1)).toBe(true);
    expect(rig.slack.messages(channel)).toHaveLength(2);
    expect(rig.smtp.received.filter((m) => m.to.includes('payments-oncall@example.test'))).toHaveLength(2);
  });

  it('goes on sending while one provider answer hangs: what is committed meanwhile goes out on the other lanes', async () => {
    const slack = await slackChannel(rig);
    const email = await emailChannel(rig, 'lanes@example.test');
    await route(rig, { alertTypes: ['HangsOnSlack'], channelIds: [slack.id] });
    await route(rig, { alertTypes: ['ByEmail'], channelIds: [email.id] });
    // The Slack message is not answered (until the provider timeout): its lane waits for it.
    rig.slack.failNext('hang', 'chat.postMessage');
    await created(rig, alertOf(rig, { alertType: 'HangsOnSlack' }));
    const channel = slack.config['channelId'] as string;
    await waitFor(
      () => rig.slack.requests.some((r) => r.method === 'chat.postMessage' && r.args['channel'] === channel),
      {
        what: 'the Slack request under way',
      },
    );

    const mailed = Array.from({ length: 5 }, () => alertOf(rig, { alertType: 'ByEmail' }));
    for (const alert of mailed) await created(rig, alert);
    const sent = await waitFor(
      () => {
        const received = rig.smtp.received.filter((m) => m.to.includes('lanes@example.test'));
        return received.length === mailed.length && received;
      },
      { what: 'the five emails while the Slack request hangs', timeoutMs: 8_000 },
    );
    expect(sent).toHaveLength(5);
    const slackRequest = rig.slack.requests.find(
      (r) => r.method === 'chat.postMessage' && r.args['channel'] === channel,
    );
    expect(slackRequest!.status).toBeUndefined(); // still hanging
  });

  it('finds the tenant and alert of a Slack message, and filters the deliveries list', async () => {
    const slack = await slackChannel(rig);
    const email = await emailChannel(rig, 'filters@example.test');
    await route(rig, { channelIds: [slack.id, email.id] });
    const alert = alertOf(rig);
    const other = alertOf(rig, { severity: 'warning' });
    await created(rig, alert);
    const channel = slack.config['channelId'] as string;
    const [message] = await waitFor(() => rig.slack.messages(channel).length === 1 && rig.slack.messages(channel), {
      what: 'the Slack message',
    });
    await waitFor(async () => (await deliveries(rig, { status: ['delivered'] })).length === 2, {
      what: 'both deliveries recorded',
    });
    rig.slack.addUser({ id: 'U0OPS', email: 'ops@example.test' });
    const owner = await rig.harness.request<Record<string, unknown>>(RpcPatterns.NotificationSlackMessageLookup, {
      channel,
      ts: message!.ts,
      userId: 'U0OPS',
    });
    expect(owner).toEqual({
      tenantId: rig.tenantId,
      alertId: alert.alertId,
      channelId: slack.id,
      userEmail: 'ops@example.test',
    });
    const missing = await rig.harness.failure(RpcPatterns.NotificationSlackMessageLookup, {
      channel,
      ts: '1000000000.000001',
    });
    expect(missing.status).toBe(404);

    const between = rig.clock.advance(MINUTE);
    await created(rig, other);
    await waitFor(async () => (await deliveries(rig, { status: ['delivered'] })).length === 4, {
      what: 'four deliveries delivered',
    });
    expect((await deliveries(rig, { channelId: email.id })).map((d) => d.alertId).sort()).toEqual(
      [alert.alertId, other.alertId].sort(),
    );
    expect((await deliveries(rig, { alertId: other.alertId })).map((d) => d.channelId).sort()).toEqual(
      [slack.id, email.id].sort(),
    );
    expect(await deliveries(rig, { status: ['failed', 'held'] })).toEqual([]);
    // Times are the service's clock: the second alert's deliveries were planned a minute later.
    const from = new Date(between).toISOString();
    expect((await deliveries(rig, { from })).map((d) => d.alertId)).toEqual([other.alertId, other.alertId]);
    expect((await deliveries(rig, { to: from })).map((d) => d.alertId)).toEqual([alert.alertId, alert.alertId]);
    // Another tenant sees none of them.
    const foreign = await rig.harness.request<{ items: unknown[] }>(
      RpcPatterns.NotificationDeliveriesList,
      { alertId: alert.alertId },
      { tenantId: 't-someone-else' },
    );
    expect(foreign.items).toEqual([]);
  });

  it('never sends a redelivered event twice', async () => {
    const slack = await slackChannel(rig);
    await route(rig, { channelIds: [slack.id] });
    const envelope = await created(rig, alertOf(rig));
    const channel = slack.config['channelId'] as string;
    await waitFor(() => rig.slack.messages(channel).length === 1, { what: 'the message' });
    for (let i = 0; i < 3; i++) await rig.harness.publishRaw(envelope as Envelope<object>);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tick(rig);
    expect(rig.slack.messages(channel)).toHaveLength(1);
    expect(await deliveries(rig)).toHaveLength(1);
  });

  it('groups a storm of 500 alerts into a few messages', async () => {
    const slack = await slackChannel(rig);
    const email = await emailChannel(rig, 'storm@example.test');
    await route(rig, {
      channelIds: [slack.id, email.id],
      groupBy: ['service'],
      groupWaitSeconds: 30,
      groupIntervalSeconds: 300,
    });
    const mailsBefore = rig.smtp.received.length;
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        created(rig, alertOf(rig, { labels: { service: i % 2 ? 'payments' : 'checkout', pod: `p${i}` } })),
      ),
    );
    // Planned: one delivery per alert and channel, each waiting in its group (payments or checkout).
    await waitFor(async () => (await allDeliveries(rig, { status: ['pending'] })).length === 1_000, {
      what: 'the storm planned',
    });
    expect(rig.smtp.received.length).toBe(mailsBefore);
    rig.clock.advance(30 * SECOND);
    await tick(rig);
    const channel = slack.config['channelId'] as string;
    await waitFor(() => rig.slack.messages(channel).length >= 1, { what: 'the grouped Slack message(s)' });
    await waitFor(() => rig.smtp.received.length - mailsBefore === 2, { what: 'two grouped emails (one per service)' });
    // Two groups (payments, checkout) on each channel; Slack's second group waits its second, then goes.
    rig.clock.advance(2 * SECOND);
    await tick(rig);
    await waitFor(() => rig.slack.messages(channel).length === 2, { what: 'two grouped Slack messages' });
    const rows = await allDeliveries(rig);
    expect(rows.filter((d) => d.status === 'grouped')).toHaveLength(1_000);
    const groups = rows.filter((d) => d.kind === 'group');
    expect(groups).toHaveLength(4);
    expect(groups.every((d) => d.status === 'delivered')).toBe(true);
  });

  it('holds messages during quiet hours, lets the override severity through, and sends a digest when they end', async () => {
    // 12:00 UTC is 21:00 in Tokyo: quiet from 20:00 to 08:00 local (23:00 UTC).
    const slack = await slackChannel(rig);
    await route(rig, {
      channelIds: [slack.id],
      quietHours: { timeZone: 'Asia/Tokyo', start: '20:00', end: '08:00', overrideSeverity: 'critical' },
    });
    const channel = slack.config['channelId'] as string;
    await created(rig, alertOf(rig, { severity: 'warning' }));
    await created(rig, alertOf(rig, { severity: 'high' }));
    await created(rig, alertOf(rig, { severity: 'critical' }));
    await waitFor(() => rig.slack.messages(channel).length === 1, { what: 'the critical alert' });
    expect((await deliveries(rig, { status: ['held'] })).length).toBe(2);
    rig.clock.set('2026-01-14T22:59:59.000Z');
    await tick(rig);
    expect(rig.slack.messages(channel)).toHaveLength(1);
    rig.clock.set('2026-01-14T23:00:00.000Z');
    await tick(rig);
    await waitFor(() => rig.slack.messages(channel).length === 2, { what: 'the digest' });
    const digest = (await deliveries(rig)).filter((d) => d.kind === 'digest');
    expect(digest).toHaveLength(1);
    expect(digest[0]!.status).toBe('delivered');
    expect((await deliveries(rig, { status: ['grouped'] })).length).toBe(2);
    rig.clock.set('2026-01-14T12:00:00.000Z');
  });

  it('escalates an unacknowledged critical alert step by step, and stops once it is acknowledged', async () => {
    const oncall = await slackChannel(rig);
    const lead = await emailChannel(rig, 'lead@example.test');
    const policy = await escalationPolicy(rig, [
      { waitMinutes: 5, channelIds: [oncall.id] },
      { waitMinutes: 10, channelIds: [lead.id] },
    ]);
    await route(rig, { channelIds: [oncall.id], escalationPolicyId: policy.id });
    const alert = alertOf(rig);
    await created(rig, alert);
    const channel = oncall.config['channelId'] as string;
    await waitFor(() => rig.slack.messages(channel).length === 1, { what: 'the first message' });
    rig.clock.advance(5 * MINUTE);
    await tick(rig);
    await waitFor(
      () => rig.slack.requestsOf('chat.postMessage').filter((r) => r.args['channel'] === channel).length >= 2,
      {
        what: 'escalation step 1',
      },
    );
    const escalated = await waitFor(
      () =>
        rig.harness
          .eventsOf<{ level: number; alert: { alertId: string } }>(RoutingKeys.AlertEscalated)
          .filter((e) => e.payload.alert.alertId === alert.alertId),
      { what: 'alert.escalated for step 1' },
    );
    expect(escalated.map((e) => e.payload.level)).toEqual([1]);
    await acknowledged(rig, alert);
    await waitFor(
      async () => (await deliveries(rig, { alertId: alert.alertId })).some((d) => d.kind === 'acknowledged'),
      {
        what: 'the acknowledgement',
      },
    );
    rig.clock.advance(10 * MINUTE);
    await tick(rig);
    const escalations = (await deliveries(rig, { alertId: alert.alertId })).filter((d) => d.kind === 'escalation');
    expect(escalations).toHaveLength(1);
    expect(rig.smtp.received.filter((m) => m.to.includes('lead@example.test'))).toHaveLength(0);
  });

  it('retries a Slack 500 with backoff until it is delivered', async () => {
    const slack = await slackChannel(rig);
    await route(rig, { channelIds: [slack.id] });
    rig.slack.failNext([{ status: 500 }, { status: 500 }], 'chat.postMessage');
    const alert = alertOf(rig);
    await created(rig, alert);
    const failedOnce = await waitFor(
      async () => (await deliveries(rig, { alertId: alert.alertId })).find((d) => d.attempts.length === 1),
      { what: 'the first attempt' },
    );
    expect(failedOnce.status).toBe('pending');
    expect(failedOnce.attempts[0]!.ok).toBe(false);
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(10 * SECOND);
      await tick(rig);
    }
    const delivered = await waitFor(
      async () => (await deliveries(rig, { alertId: alert.alertId })).find((d) => d.status === 'delivered'),
      { what: 'delivered after retries' },
    );
    expect(delivered.attempts.map((a) => a.ok)).toEqual([false, false, true]);
  });

  it('waits as long as Slack asks after a 429 before trying again', async () => {
    const slack = await slackChannel(rig);
    await route(rig, { channelIds: [slack.id] });
    rig.slack.failNext({ status: 429, retryAfterSeconds: 30 }, 'chat.postMessage');
    const alert = alertOf(rig);
    await created(rig, alert);
    await waitFor(async () => (await deliveries(rig, { alertId: alert.alertId }))[0]?.attempts.length === 1, {
      what: 'the rate-limited attempt',
    });
    rig.clock.advance(20 * SECOND);
    await tick(rig);
    const waiting = (await deliveries(rig, { alertId: alert.alertId }))[0]!;
    expect(waiting).toMatchObject({ status: 'pending', attempts: [{ ok: false }] });
    // The wait is the channel's, not only that message's: another alert meanwhile waits too.
    const other = alertOf(rig);
    await created(rig, other);
    await waitFor(async () => (await deliveries(rig, { alertId: other.alertId })).length === 1, {
      what: 'the other alert planned',
    });
    await tick(rig);
    expect((await deliveries(rig, { alertId: other.alertId }))[0]).toMatchObject({ status: 'pending', attempts: [] });
    // Past the wait the channel takes one message a second: one of the two now, the other a second later.
    rig.clock.advance(11 * SECOND);
    await tick(rig);
    const delivered = (id: string) =>
      deliveries(rig, { alertId: id }).then((rows) => rows.find((d) => d.status === 'delivered'));
    await waitFor(async () => (await delivered(alert.alertId)) ?? (await delivered(other.alertId)), {
      what: 'one of them delivered after the wait',
    });
    rig.clock.advance(SECOND);
    await tick(rig);
    const first = await waitFor(() => delivered(alert.alertId), { what: 'the rate-limited alert delivered' });
    const second = await waitFor(() => delivered(other.alertId), { what: 'the other alert delivered' });
    expect(first.attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(second.attempts.map((a) => a.ok)).toEqual([true]);
    const channel = slack.config['channelId'] as string;
    const refused = rig.slack
      .requestsOf('chat.postMessage')
      .filter((r) => r.args['channel'] === channel && r.status !== 200);
    expect(refused).toHaveLength(1);
  });

  it('posts to a Slack incoming webhook once per change, retrying a 500, and records each delivery', async () => {
    const path = `T1/B1/${Math.random().toString(36).slice(2, 10)}`;
    const hook = await rig.harness.request<ChannelView>(
      RpcPatterns.NotificationChannelsCreate,
      { name: `hook-${path.slice(-8)}`, type: 'slack-webhook', secrets: { webhookUrl: rig.slack.webhookUrl(path) } },
      { tenantId: rig.tenantId, actor: ACTOR },
    );
    await route(rig, { channelIds: [hook.id] });
    const posts = () => rig.slack.requestsOf('webhook').filter((r) => r.path === `/services/${path}`);
    rig.slack.failNext({ status: 500 }, 'webhook');
    const alert = alertOf(rig);
    await created(rig, alert);
    await waitFor(() => posts().length === 1, { what: 'the first post' });
    rig.clock.advance(10 * SECOND);
    await tick(rig);
    await waitFor(() => posts().length === 2, { what: 'the retried post' });
    expect(posts().map((r) => r.status)).toEqual([500, 200]);
    expect(JSON.stringify(posts()[1]!.args)).toContain('KubePodCrashLooping');

    // A webhook cannot update its message: the acknowledgement is a post of its own.
    await acknowledged(rig, alert);
    rig.clock.advance(SECOND);
    await tick(rig);
    await waitFor(() => posts().length === 3, { what: 'the acknowledgement post' });
    const listed = await waitFor(
      async () => {
        const rows = await deliveries(rig, { alertId: alert.alertId });
        return rows.length === 2 && rows.every((d) => d.status === 'delivered') && rows;
      },
      { what: 'two delivered deliveries' },
    );
    const byKind = Object.fromEntries(listed.map((d) => [d.kind, d.attempts.map((a) => a.ok)]));
    expect(byKind).toEqual({ created: [false, true], acknowledged: [true] });
    expect(posts().map((r) => r.status)).toEqual([500, 200, 200]);
  });

  it('keeps held messages across a restart and sends their digest when quiet hours end', async () => {
    const slack = await slackChannel(rig);
    await route(rig, {
      channelIds: [slack.id],
      quietHours: { timeZone: 'UTC', start: '00:00', end: '23:59' },
    });
    const channel = slack.config['channelId'] as string;
    rig.clock.set('2026-01-15T10:00:00.000Z');
    await created(rig, alertOf(rig, { severity: 'warning' }));
    await created(rig, alertOf(rig, { severity: 'high' }));
    await waitFor(async () => (await deliveries(rig, { status: ['held'] })).length === 2, { what: 'two held' });
    await rig.harness.stop(rig.harness.services[0]!);
    rig.clock.set('2026-01-15T23:59:00.000Z');
    await rig.harness.start();
    await tick(rig);
    await waitFor(() => rig.slack.messages(channel).length === 1, { what: 'the digest after the restart' });
    const rows = await deliveries(rig);
    expect(rows.filter((d) => d.kind === 'digest').map((d) => d.status)).toEqual(['delivered']);
    expect(rows.filter((d) => d.status === 'grouped')).toHaveLength(2);
  });

  it('fails at once on invalid_auth, marks the channel unhealthy and sends the email fallback', async () => {
    const slack = await slackChannel(rig, undefined, 'xoxb-revoked');
    const fallback = await emailChannel(rig, 'fallback@example.test');
    await route(rig, { channelIds: [slack.id], fallbackEmailChannelId: fallback.id });
    const alert = alertOf(rig);
    await created(rig, alert);
    const mail = await waitFor(() => rig.smtp.received.find((m) => m.to.includes('fallback@example.test')), {
      what: 'the fallback email',
    });
    expect(mail.subject).toContain('KubePodCrashLooping');
    const rows = await waitFor(
      async () => {
        const list = await deliveries(rig, { alertId: alert.alertId });
        return list.length === 2 && list.every((d) => d.status !== 'pending' && d.status !== 'sending') && list;
      },
      { what: 'both deliveries settled' },
    );
    const failed = rows.find((d) => d.channelId === slack.id)!;
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toHaveLength(1);
    expect(failed.lastError).toContain('invalid_auth');
    expect(rows.find((d) => d.channelId === fallback.id)!.status).toBe('delivered');
    const channel = await rig.harness.request<{ healthy: boolean }>(
      'notification.channels.get',
      { id: slack.id },
      { tenantId: rig.tenantId },
    );
    expect(channel.healthy).toBe(false);
    expect(
      rig.harness
        .eventsOf<{ deliveryId: string }>(RoutingKeys.NotificationFailed)
        .some((e) => e.payload.deliveryId === failed.id),
    ).toBe(true);
  });

  it('does not notify a silenced alert', async () => {
    const slack = await slackChannel(rig);
    await route(rig, { channelIds: [slack.id] });
    await publish(rig, RoutingKeys.AlertCreated, { alert: alertOf(rig, { silenced: true }) });
    await created(rig, alertOf(rig));
    const channel = slack.config['channelId'] as string;
    await waitFor(() => rig.slack.messages(channel).length === 1, { what: 'the unsilenced alert' });
    expect(await deliveries(rig)).toHaveLength(1);
  });
  // Last: the purge runs over every tenant.
  it('deletes settled deliveries and their attempts past retention, and keeps what is still due', async () => {
    const slack = await slackChannel(rig);
    await route(rig, {
      channelIds: [slack.id],
      quietHours: { timeZone: 'UTC', start: '00:00', end: '23:59', overrideSeverity: 'critical' },
    });
    rig.clock.set('2026-01-16T10:00:00.000Z');
    const alert = alertOf(rig);
    const held = alertOf(rig, { severity: 'warning' });
    await created(rig, alert);
    await created(rig, held);
    await waitFor(
      async () => {
        const rows = await deliveries(rig);
        return rows.length === 2 && rows.every((d) => d.status === 'delivered' || d.status === 'held');
      },
      { what: 'one delivered, one held' },
    );
    const retention = rig.harness.services[0]!.app.get(DeliveryRetention);
    await retention.purge(rig.clock() + 29 * 86_400_000);
    expect(await deliveries(rig)).toHaveLength(2);
    expect(await retention.purge(rig.clock() + 31 * 86_400_000)).toBeGreaterThanOrEqual(1);
    const left = await deliveries(rig);
    expect(left.map((d) => [d.alertId, d.status])).toEqual([[held.alertId, 'held']]);
  });
});

describe('notification engine with two replicas', () => {
  let rig: NotifyRig;

  beforeAll(async () => {
    rig = await startRig();
    await rig.harness.start();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('keeps a Slack channel to one message a second across replicas, rolling up the rest, dropping none', async () => {
    expect(rig.harness.services).toHaveLength(2);
    const slack = await slackChannel(rig);
    await route(rig, { channelIds: [slack.id] });
    const channel = slack.config['channelId'] as string;
    const alerts = Array.from({ length: 12 }, (_, i) => alertOf(rig, { labels: { pod: `p${i}` } }));
    // All at once: both replicas consume some, commit, and go to send to the same channel.
    await Promise.all(alerts.map((alert) => created(rig, alert)));
    const settled = (rows: { status: string }[]) =>
      rows.length >= alerts.length && rows.every((d) => d.status === 'delivered' || d.status === 'grouped');
    await waitFor(async () => (await allDeliveries(rig)).length >= alerts.length, { what: 'the deliveries planned' });
    for (let turn = 0; turn < 10 && !settled(await allDeliveries(rig)); turn++) {
      await tick(rig);
      rig.clock.advance(SECOND);
    }
    const rows = await waitFor(async () => settled(await allDeliveries(rig)) && allDeliveries(rig), {
      what: 'every delivery sent or rolled up',
    });

    // Slack never had to refuse one: no two messages within a second, whichever replica sent them.
    const posts = rig.slack.requestsOf('chat.postMessage').filter((r) => r.args['channel'] === channel);
    expect(posts.filter((r) => r.status !== 200)).toEqual([]);
    // Each alert went out once: alone, or in a delivered roll-up that carries it.
    const byAlert = rows.filter((d) => d.kind !== 'rollup');
    expect(byAlert.map((d) => d.alertId).sort()).toEqual(alerts.map((a) => a.alertId).sort());
    const rollups = rows.filter((d) => d.kind === 'rollup');
    expect(rollups.every((d) => d.status === 'delivered')).toBe(true);
    expect(posts).toHaveLength(byAlert.filter((d) => d.status === 'delivered').length + rollups.length);
    expect(rig.slack.messages(channel)).toHaveLength(posts.length);
    expect(posts.length).toBeLessThan(alerts.length);
  });
});
