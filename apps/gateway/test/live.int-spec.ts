// Live updates over WebSocket (/api/v1/ws), through the whole system in the mode under test, with a
// second gateway replica on the same broker: authentication on the upgrade or by the first frame,
// the four topics, replay with "after", tenant isolation, the limits that protect other clients,
// heartbeats. Every wait is on a frame or a close, never on the clock alone.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { JwtKeyring } from '@vigil/auth';
import { CommonConfig, loadConfig } from '@vigil/config';
import { RoutingKeys, type Envelope } from '@vigil/contracts';
import type { MessageBroker } from '@vigil/messaging';
import { startService, type RunningService } from '@vigil/runtime';
import {
  AMQP_URL,
  call,
  createApiKey,
  createTestBroker,
  createTestTenant,
  login,
  logCollector,
  RELAXED_RATE_LIMITS,
  setProcessEnv,
  TEST_JWT_KEYS,
  TEST_MODE,
  TEST_PASSWORD,
  TestHarness,
  waitFor,
  type TestTenant,
} from '@vigil/testing';
import { decodeJwt } from 'jose';
import { gatewayApp } from '../src/gateway.app.js';
import { LiveClient, type Frame } from './live-client.js';

jest.setTimeout(120_000);

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const AUTH_TIMEOUT_MS = 300;
const FRAMES_PER_MIN = 40;
const MAX_SUBSCRIPTIONS = 4;
const MAX_FRAME_BYTES = 1_024;
const MAX_BUFFERED_BYTES = 65_536;
/** The second replica's heartbeat: short, so a silent client is dropped within the test. */
const REPLICA_HEARTBEAT_MS = 400;

describe(`live updates over WebSocket (${TEST_MODE})`, () => {
  let system: TestHarness;
  let replica: RunningService;
  let replicaBroker: MessageBroker | undefined;
  let a: TestTenant;
  let b: TestTenant;
  const clients: LiveClient[] = [];

  const open = async (...args: Parameters<typeof LiveClient.open>) => {
    const client = await LiveClient.open(...args);
    clients.push(client);
    return client;
  };
  const signedIn = async (url: string, token: string) => {
    const client = await LiveClient.signedIn(url, token);
    clients.push(client);
    return client;
  };
  const viewerToken = () => (a.users.viewer.auth as { bearer: string }).bearer;
  const readKey = (t: TestTenant) => t.keys['alerts:read']!.key;
  const writeKey = (t: TestTenant) => t.keys['alerts:write']!.key;

  async function postAlert(t: TestTenant, fingerprint: string): Promise<string> {
    const answer = await call<{ ids: string[] }>(system.url, 'POST', '/api/v1/alerts', {
      auth: { apiKey: writeKey(t) },
      body: { alert_type: 'disk-full', runbook: 'https://runbooks.example/disk', fingerprint: `${fingerprint}-${RUN}` },
    });
    expect(answer.status).toBe(202);
    return answer.body.ids[0]!;
  }

  /** An accepted alert is stored moments after the 202 (distributed: by the alert service's consumer). */
  const stored = (t: TestTenant, alertId: string) =>
    waitFor(
      async () =>
        (await call(system.url, 'GET', `/api/v1/alerts/${alertId}`, { auth: { apiKey: readKey(t) } })).status === 200,
      { what: `alert ${alertId} stored` },
    );

  const alertEvent = (client: LiveClient, alertId: string, event = 'alert.created', topic = 'alerts') =>
    client.next(
      (f) =>
        f.type === 'event' &&
        f.topic === topic &&
        f.event === event &&
        (f.data as { alert: { alertId: string } }).alert.alertId === alertId,
      `${event} of ${alertId} on ${topic}`,
    );

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
        LIVE_AUTH_TIMEOUT_MS: String(AUTH_TIMEOUT_MS),
        LIVE_FRAMES_PER_MIN: String(FRAMES_PER_MIN),
        LIVE_MAX_SUBSCRIPTIONS: String(MAX_SUBSCRIPTIONS),
        LIVE_MAX_FRAME_BYTES: String(MAX_FRAME_BYTES),
        LIVE_MAX_BUFFERED_BYTES: String(MAX_BUFFERED_BYTES),
      },
    });
    const platform = { bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token };
    a = await createTestTenant(system.url, platform, `live-a-${RUN}`, { roles: ['viewer'] });
    b = await createTestTenant(system.url, platform, `live-b-${RUN}`, { roles: ['viewer'] });

    // A second gateway replica on the same broker, with a short heartbeat.
    const restore = setProcessEnv({ LIVE_HEARTBEAT_MS: String(REPLICA_HEARTBEAT_MS) });
    try {
      const common = {
        VIGIL_DATA_DIR: system.dataDir.path,
        LOG_LEVEL: 'warn',
        BUS_NAMESPACE: system.namespace,
      };
      if (TEST_MODE === 'distributed') {
        replicaBroker = createTestBroker({
          namespace: system.namespace,
          connectionName: `vigil-test:${RUN}:gateway-2`,
        });
        await replicaBroker.connect();
      }
      replica = await startService(
        gatewayApp,
        {
          mode: TEST_MODE === 'distributed' ? 'distributed' : 'standalone',
          config: loadConfig(
            CommonConfig,
            TEST_MODE === 'distributed' ? { ...common, AMQP_URL, DATABASE_URL: system.database!.url } : common,
          ),
          broker: replicaBroker ?? system.broker,
          registries: [],
          logDestination: logCollector(system.logs),
        },
        0,
      );
    } finally {
      restore();
    }
  }, 180_000);

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await replica?.close();
    await replicaBroker?.close();
    await system?.close();
  });

  it('streams a tenant its alerts with an API key on the upgrade, on either replica, and never another tenant’s', async () => {
    const onFirst = await signedIn(system.url, readKey(a));
    const onSecond = await signedIn(replica.url!, readKey(a));
    const other = await signedIn(replica.url!, readKey(b));
    expect(onFirst.frames[0]).toEqual({ type: 'authenticated', tenantId: a.id });
    for (const client of [onFirst, onSecond, other])
      expect(await client.subscribe('alerts')).toEqual({ type: 'subscribed', topic: 'alerts' });

    const alertId = await postAlert(a, 'stream');
    const first = await alertEvent(onFirst, alertId);
    const second = await alertEvent(onSecond, alertId);
    expect(first).toEqual(second);
    expect(first).toMatchObject({ type: 'event', topic: 'alerts', event: 'alert.created' });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    expect((first.data as { alert: Record<string, unknown> }).alert).toMatchObject({
      alertId,
      alertType: 'disk-full',
      status: 'triggered',
      occurrences: 1,
    });

    // B's own alert reaches B after A's did (one queue, in order): by then A's would have too.
    const bAlert = await postAlert(b, 'stream');
    await alertEvent(other, bAlert);
    const alertIdsOf = (client: LiveClient) =>
      client.events().map((f) => (f.data as { alert: { alertId: string } }).alert.alertId);
    expect(alertIdsOf(other)).not.toContain(alertId);
    expect(new Set(alertIdsOf(other))).toEqual(new Set([bAlert]));
    expect(alertIdsOf(onFirst)).not.toContain(bAlert);
  });

  it('takes a signed-in user’s token in the first frame, and closes with 4401 without one in time', async () => {
    const client = await open(system.url);
    client.send({ type: 'auth', token: viewerToken() });
    expect(await client.next((f) => f.type === 'authenticated', 'authenticated')).toMatchObject({
      type: 'authenticated',
      tenantId: a.id,
      expiresAt: new Date(decodeJwt(viewerToken()).exp! * 1000).toISOString(),
    });

    const silent = await open(system.url);
    expect(await silent.closedWith()).toEqual({
      code: 4401,
      reason: `no credential: send Authorization: Bearer on the upgrade or {"type":"auth","token":"…"} within ${AUTH_TIMEOUT_MS} ms`,
    });
    expect(silent.frames).toEqual([]);

    const early = await open(system.url);
    early.send({ type: 'subscribe', topic: 'alerts' });
    expect(await early.next((f) => f.type === 'error', 'an error')).toEqual({
      type: 'error',
      code: 'unauthenticated',
      message: 'send {"type":"auth","token":"…"} first',
    });
  });

  it('refuses bad credentials with 4401 and a key without alerts:read with 4403, each with a reason', async () => {
    const garbage = await open(system.url, 'not-a-token');
    expect(await garbage.closedWith()).toEqual({ code: 4401, reason: 'access token is malformed' });
    const revokedLike = await open(system.url, `${readKey(a).slice(0, -4)}zzzz`);
    expect(await revokedLike.closedWith()).toEqual({ code: 4401, reason: 'invalid or revoked API key' });
    const byFrame = await open(system.url);
    byFrame.send({ type: 'auth', token: 'not-a-token' });
    expect(await byFrame.closedWith()).toEqual({ code: 4401, reason: 'access token is malformed' });
    const writer = await open(system.url, writeKey(a));
    expect(await writer.closedWith()).toEqual({ code: 4403, reason: 'this API key lacks the scope alerts:read' });
  });

  it('closes the socket with 4401 when its access token expires', async () => {
    const viewer = decodeJwt(viewerToken()) as { sub: string; tid: string; role: 'viewer'; pa?: boolean };
    const keyring =
      TEST_MODE === 'distributed'
        ? JwtKeyring.parse(TEST_JWT_KEYS)
        : JwtKeyring.load({ VIGIL_DATA_DIR: system.dataDir.path });
    const { token } = await keyring.sign({ sub: viewer.sub, tid: viewer.tid, role: viewer.role, pa: false }, 2);
    const client = await signedIn(system.url, token);
    expect(await client.closedWith()).toEqual({ code: 4401, reason: 'access token expired' });
  });

  it('answers another tenant’s alert or session exactly like an unknown one', async () => {
    const bAlert = await postAlert(b, 'hidden');
    await stored(b, bAlert);
    const watcherB = await signedIn(system.url, readKey(b));
    expect(await watcherB.subscribe('alert', { id: bAlert })).toEqual({
      type: 'subscribed',
      topic: 'alert',
      id: bAlert,
    });

    const client = await signedIn(system.url, readKey(a));
    const unknown = randomUUID();
    const notFound = (topic: string, id: string) => ({
      type: 'error',
      code: 'not_found',
      message: `no ${topic} ${id}`,
      topic,
      id,
    });
    expect(await client.subscribe('alert', { id: bAlert })).toEqual(notFound('alert', bAlert));
    expect(await client.subscribe('alert', { id: unknown })).toEqual(notFound('alert', unknown));

    // B's investigation of that alert (recorded as skipped: no model is configured).
    const session = await waitFor(
      async () => {
        const answer = await call<{ items: { sessionId: string; alertId: string }[] }>(
          system.url,
          'GET',
          `/api/v1/history/sessions?alert_id=${bAlert}`,
          { auth: { apiKey: readKey(b) } },
        );
        return answer.body.items?.find((item) => item.alertId === bAlert)?.sessionId;
      },
      { what: `B's session of ${bAlert} in the history` },
    );
    expect(await client.subscribe('session', { id: session })).toEqual(notFound('session', session));
    expect(await client.subscribe('session', { id: unknown })).toEqual(notFound('session', unknown));
    expect(await watcherB.subscribe('session', { id: session })).toEqual({
      type: 'subscribed',
      topic: 'session',
      id: session,
    });
  });

  it('streams investigations as they start and end, and one session’s steps', async () => {
    const client = await signedIn(system.url, readKey(a));
    const other = await signedIn(system.url, readKey(b));
    await client.subscribe('investigations');
    await other.subscribe('investigations');
    const alertId = await postAlert(a, 'investigated');
    const started = await client.next(
      (f) => f.event === 'agent.session.started' && (f.data as { alertId: string }).alertId === alertId,
      'the session start',
    );
    const sessionId = (started.data as { sessionId: string }).sessionId;
    expect(started).toMatchObject({ type: 'event', topic: 'investigations' });
    const ended = await client.next(
      (f) => f.event === 'agent.session.failed' && (f.data as { sessionId: string }).sessionId === sessionId,
      'the session end',
    );
    expect(ended.data).toMatchObject({ sessionId, status: 'skipped' });

    // Its steps, as the agent runner records them.
    expect(await client.subscribe('session', { id: sessionId })).toEqual({
      type: 'subscribed',
      topic: 'session',
      id: sessionId,
    });
    const step = await system.publish(RoutingKeys.AgentMcpInteraction, {
      tenantId: a.id,
      payload: {
        sessionId,
        sequence: 1,
        interactionId: randomUUID(),
        durationMs: 3,
        success: true,
        stepDescription: 'list tools',
        timestamp: '2026-01-01T00:00:00.000000Z',
        serverName: 'everything',
        communicationType: 'tool_list',
        toolsAvailable: [],
      },
    });
    const got = await client.next((f) => f.id === step.id, 'the step');
    expect(got).toEqual({
      type: 'event',
      topic: 'session',
      id: step.id,
      event: 'agent.mcp.interaction',
      data: step.payload,
    });
    expect(other.frames.some((f) => JSON.stringify(f).includes(sessionId))).toBe(false);
  });

  it('replays what a client missed after the event id it names, and says resync when it is unknown', async () => {
    const watcher = await signedIn(replica.url!, readKey(a));
    await watcher.subscribe('alerts');
    const first = await signedIn(system.url, readKey(a));
    await first.subscribe('alerts');
    const seen = await alertEvent(first, await postAlert(a, 'replay-1'));
    first.close();
    const missed = [await postAlert(a, 'replay-2'), await postAlert(a, 'replay-3')];
    for (const id of missed) await alertEvent(watcher, id);

    // Back, on the other replica: what came after `seen` there (the watcher saw the same), in order.
    // Investigations of these alerts add alert.analysed events at their own pace: the count is read.
    const back = await signedIn(replica.url!, readKey(a));
    const subscribed = await back.subscribe('alerts', { after: seen.id });
    const replayed = subscribed.replayed as number;
    expect(subscribed).toEqual({ type: 'subscribed', topic: 'alerts', replayed });
    await waitFor(() => back.events().length >= replayed, { what: `${replayed} replayed events` });
    const watched = watcher.events().map((f) => f.id);
    const afterSeen = watched.slice(watched.indexOf(seen.id) + 1);
    expect(watched).toContain(seen.id);
    expect(back.events().slice(0, replayed)).toEqual(
      watcher.events().slice(watched.indexOf(seen.id) + 1, watched.indexOf(seen.id) + 1 + replayed),
    );
    expect(afterSeen.slice(0, replayed)).toEqual(
      back
        .events()
        .slice(0, replayed)
        .map((f) => f.id),
    );
    const created = back
      .events()
      .slice(0, replayed)
      .filter((f) => f.event === 'alert.created')
      .map((f) => (f.data as { alert: { alertId: string } }).alert.alertId);
    expect(created).toEqual(missed);
    const live = await postAlert(a, 'replay-4');
    await alertEvent(back, live);

    const lost = await signedIn(system.url, readKey(a));
    const after = randomUUID();
    expect(await lost.subscribe('alerts', { after })).toEqual({ type: 'subscribed', topic: 'alerts', replayed: 0 });
    expect(await lost.next((f) => f.type === 'resync', 'resync')).toEqual({ type: 'resync', topic: 'alerts', after });
  });

  it('answers malformed frames, unknown topics and too many subscriptions with error frames, and keeps serving', async () => {
    const client = await signedIn(system.url, readKey(a));
    const errors = () => client.frames.filter((f) => f.type === 'error');
    client.send('{not json');
    client.send('[1,2]');
    client.send({ type: 'shout' });
    client.send({ type: 'subscribe', topic: 'weather' });
    client.send({ type: 'subscribe', topic: 'alert' });
    client.send({ type: 'subscribe', topic: 'alerts', id: randomUUID() });
    client.send({ type: 'subscribe', topic: 'alerts', after: 'yesterday' });
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => errors().length >= 8, { what: 'eight error frames' });
    expect(errors()).toEqual([
      { type: 'error', code: 'bad_frame', message: 'a frame must be a JSON object' },
      { type: 'error', code: 'bad_frame', message: 'a frame must be a JSON object' },
      { type: 'error', code: 'bad_frame', message: 'type: must be one of auth, subscribe, unsubscribe' },
      {
        type: 'error',
        code: 'bad_topic',
        message: 'topic: must be one of alerts, alert, investigations, session',
        topic: 'weather',
      },
      { type: 'error', code: 'bad_id', message: "id: the alert topic needs the alert's id (a UUID)", topic: 'alert' },
      { type: 'error', code: 'bad_id', message: 'id: the alerts topic takes no id', topic: 'alerts' },
      {
        type: 'error',
        code: 'bad_frame',
        message: 'after: must be the id of an event received before (a UUID)',
        topic: 'alerts',
      },
      { type: 'error', code: 'bad_frame', message: 'frames are JSON text, not binary' },
    ]);

    const ids = await Promise.all([1, 2, 3].map((n) => postAlert(a, `cap-${n}`)));
    for (const id of ids) await stored(a, id);
    expect(await client.subscribe('alerts')).toEqual({ type: 'subscribed', topic: 'alerts' });
    for (const id of ids)
      expect(await client.subscribe('alert', { id })).toEqual({ type: 'subscribed', topic: 'alert', id });
    expect(await client.subscribe('investigations')).toEqual({
      type: 'error',
      code: 'too_many_subscriptions',
      message: `at most ${MAX_SUBSCRIPTIONS} subscriptions at once: unsubscribe first`,
      topic: 'investigations',
    });
    client.send({ type: 'unsubscribe', topic: 'alert', id: ids[0] });
    await client.next((f) => f.type === 'unsubscribed', 'unsubscribed');
    expect(await client.subscribe('investigations')).toEqual({ type: 'subscribed', topic: 'investigations' });

    // Still served: an acknowledgement reaches both the alert's and the tenant's stream.
    const ack = await call(system.url, 'PUT', `/api/v1/alerts/${ids[1]}/acknowledge`, {
      auth: { apiKey: writeKey(a) },
      body: {},
    });
    expect(ack.status).toBe(200);
    await alertEvent(client, ids[1]!, 'alert.acknowledged', 'alert');
    await alertEvent(client, ids[1]!, 'alert.acknowledged', 'alerts');
  });

  it('closes an oversized frame with 1009 and a flood of frames with 4429, and serves the others meanwhile', async () => {
    const bystander = await signedIn(system.url, readKey(a));
    await bystander.subscribe('alerts');

    const big = await signedIn(system.url, readKey(a));
    big.send({ type: 'subscribe', topic: 'alerts', pad: 'x'.repeat(MAX_FRAME_BYTES) });
    const bigSize = Buffer.byteLength(
      JSON.stringify({ type: 'subscribe', topic: 'alerts', pad: 'x'.repeat(MAX_FRAME_BYTES) }),
    );
    expect(await big.closedWith()).toEqual({
      code: 1009,
      reason: `frame of ${bigSize} bytes: at most ${MAX_FRAME_BYTES}`,
    });

    const flood = await signedIn(system.url, readKey(a));
    for (let i = 0; i <= FRAMES_PER_MIN; i++)
      flood.send({ type: i % 2 ? 'unsubscribe' : 'subscribe', topic: 'alerts' });
    expect(await flood.closedWith()).toEqual({ code: 4429, reason: `more than ${FRAMES_PER_MIN} frames a minute` });
    expect(flood.frames.filter((f) => f.type === 'subscribed' || f.type === 'unsubscribed').length).toBeLessThanOrEqual(
      FRAMES_PER_MIN,
    );

    await alertEvent(bystander, await postAlert(a, 'after-abuse'));
  });

  it('closes a client that does not read with 4008 once its send buffer passes the limit, and not the others', async () => {
    const reader = await signedIn(system.url, readKey(a));
    const slow = await signedIn(system.url, readKey(a));
    await reader.subscribe('alerts');
    await slow.subscribe('alerts');
    const slowSocket = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    slowSocket.pause();
    const labels = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, 'v'.repeat(1_000)]));
    const count = 600;
    const sent: Envelope<object>[] = [];
    for (let i = 0; i < count; i++)
      sent.push(
        await system.publish(RoutingKeys.AlertCreated, {
          tenantId: a.id,
          payload: {
            alert: {
              alertId: randomUUID(),
              fingerprint: `slow-${i}`,
              alertType: 'bulk',
              severity: 'info',
              status: 'triggered',
              labels,
              occurrences: 1,
              silenced: false,
              startedAt: '2026-01-01T00:00:00.000000Z',
              lastSeenAt: '2026-01-01T00:00:00.000000Z',
            },
          },
        }),
      );
    const sentIds = new Set(sent.map((e) => e.id));
    await waitFor(() => reader.events().filter((f) => sentIds.has(f.id as string)).length === count, {
      what: `${count} events at the reading client`,
      timeoutMs: 60_000,
    });
    slowSocket.resume();
    expect(await slow.closedWith()).toEqual({
      code: 4008,
      reason: `too slow: more than ${MAX_BUFFERED_BYTES} bytes waiting to be sent`,
    });
    expect(slow.events().filter((f) => sentIds.has(f.id as string)).length).toBeLessThan(count);
    expect(reader.closed).toBeUndefined();
  });

  it('closes the socket of a revoked API key or a deactivated user with 4401 at the next heartbeat', async () => {
    const adminAuth = a.users.admin.auth;
    const key = await createApiKey(system.url, adminAuth, `live revoked ${RUN}`, ['alerts:read']);
    const byKey = await signedIn(replica.url!, key.key);
    const email = `leaver-${RUN}@live.test`;
    const created = await call<{ id: string }>(system.url, 'POST', '/api/v1/users', {
      auth: adminAuth,
      body: { email, name: 'Leaver', role: 'viewer', password: TEST_PASSWORD },
    });
    expect(created.status).toBe(201);
    const leaver = await login(system.url, email, TEST_PASSWORD, a.slug);
    const byUser = await signedIn(replica.url!, leaver.access_token);

    expect((await call(system.url, 'DELETE', `/api/v1/api-keys/${key.id}`, { auth: adminAuth })).status).toBe(204);
    expect(await byKey.closedWith()).toEqual({ code: 4401, reason: 'invalid or revoked API key' });
    const deactivated = await call(system.url, 'POST', `/api/v1/users/${created.body.id}/deactivate`, {
      auth: adminAuth,
    });
    expect(deactivated.status).toBe(200);
    expect(await byUser.closedWith()).toEqual({ code: 4401, reason: 'access token is not valid' });
  });

  it('pings every client and drops one that stops answering (heartbeat)', async () => {
    const answering = await signedIn(replica.url!, readKey(a));
    const silent = await open(replica.url!, readKey(a), { autoPong: false });
    await silent.next((f) => f.type === 'authenticated', 'authenticated');
    expect(await silent.closedWith()).toEqual({ code: 1006, reason: '' });
    expect(silent.pings).toBeGreaterThanOrEqual(1);
    await waitFor(() => answering.pings >= 3, { what: 'three pings answered' });
    expect(answering.closed).toBeUndefined();
  });
});

export type { Frame };
