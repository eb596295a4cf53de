// The alert service over the real bus (embedded broker + SQLite, or RabbitMQ + PostgreSQL with
// row-level security), driven the way the gateway will: `ingest.alerts.received` events and RPCs.
import {
  alertIdOf,
  createEnvelope,
  RoutingKeys,
  RpcPatterns,
  type AlertStats,
  type AlertView,
  type AlertWithTimeline,
  type Page,
  type RejectedPayloadView,
  type SilenceView,
  type TimelineEntry,
  type WebhookMappingView,
} from '@vigil/contracts';
import { RpcRemoteError } from '@vigil/messaging';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { alertApp } from '../src/alert.app.js';
import { ingest, tenant, USER } from './alerts.js';

describe(`alert service (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await TestHarness.service(alertApp, { watch: ['alert.*'], config: { LOG_LEVEL: 'warn', BUS_PREFETCH: '200' } });
  }, 60_000);
  afterAll(() => h?.close());
  const rpc = <T>(pattern: string, tenantId: string, payload: object, actor = USER) =>
    h.request<T>(pattern, payload, { tenantId, actor });

  const get = (t: string, fingerprint: string) =>
    rpc<AlertWithTimeline>(RpcPatterns.AlertGet, t, { id: alertIdOf(t, fingerprint) });
  const list = (t: string, query: object = {}) => rpc<Page<AlertView>>(RpcPatterns.AlertList, t, query);
  const rpcError = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as RpcRemoteError,
    );
  /** Resolves once the alert exists and satisfies `ok`. */
  const settled = (t: string, fingerprint: string, ok: (a: AlertWithTimeline) => boolean = () => true) =>
    waitFor(
      async () => {
        const alert = await get(t, fingerprint).catch(() => undefined);
        return alert && ok(alert) ? alert : undefined;
      },
      { what: `alert ${fingerprint}` },
    );
  const eventsOf = (id: string) => h.events.filter((e) => (e.payload['alert'] as { alertId: string }).alertId === id);

  it('stores firing alerts once each, counts repeats, keeps the first start and publishes alert.created after the commit', async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'a', startsAt: '1700000000000000' }, { fingerprint: 'b' }]);
    await ingest(h, t, [{ fingerprint: 'a', startsAt: '1700000001000000' }]);
    await ingest(h, t, [{ fingerprint: 'a' }, { fingerprint: 'a' }]);
    const a = await settled(t, 'a', (x) => x.occurrences === 4);
    expect(a).toMatchObject({
      status: 'triggered',
      occurrences: 4,
      startedAt: '2023-11-14T22:13:20.000000Z',
      source: 'api',
    });
    expect(new Date(a.lastSeenAt) >= new Date(a.createdAt)).toBe(true);
    // Repeats within the coalescing interval add no timeline entry and no alert.updated.
    expect(a.timeline.map((e) => e.kind)).toEqual(['created']);
    const page = await list(t);
    expect(page.items.map((x) => x.fingerprint).sort()).toEqual(['a', 'b']);
    const created = await waitFor(() => (eventsOf(a.id).length ? eventsOf(a.id) : undefined), {
      what: 'alert.created',
    });
    expect(created.map((e) => e.type)).toEqual(['alert.created']);
    expect(created[0]).toMatchObject({
      tenantId: t,
      payload: { alert: { alertId: a.id, status: 'triggered', occurrences: 1, silenced: false } },
    });
  });

  it('publishes events only for committed changes: the alert is readable when its event arrives', async () => {
    const t = tenant();
    const before = h.events.length;
    await ingest(h, t, [{ fingerprint: 'visible' }]);
    const event = await waitFor(() => h.events.slice(before).find((e) => e.tenantId === t), { what: 'event' });
    const alert = await get(t, 'visible');
    expect(alert.id).toBe((event.payload['alert'] as { alertId: string }).alertId);
    const outbox = await waitFor(
      async () => {
        const [row] = (await h.dataSource().query('SELECT COUNT(*) AS n FROM outbox')) as { n: string | number }[];
        return Number(row!.n) === 0 ? true : undefined;
      },
      { what: 'empty outbox' },
    );
    expect(outbox).toBe(true);
  });

  it("auto-resolves on the source's resolve, keeps a resolved alert it never saw firing, and re-triggers on a new occurrence", async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'r' }], { source: 'alertmanager' });
    await settled(t, 'r');
    await ingest(
      h,
      t,
      [
        { fingerprint: 'r', status: 'resolved', endsAt: '1700000005000000' },
        { fingerprint: 'ghost', status: 'resolved' },
      ],
      { source: 'alertmanager' },
    );
    const resolved = await settled(t, 'r', (x) => x.status === 'resolved');
    expect(resolved.resolved).toMatchObject({ by: 'source', note: null });
    expect(resolved.occurrences).toBe(1);
    expect(await settled(t, 'ghost')).toMatchObject({ status: 'resolved', occurrences: 1, resolved: { by: 'source' } });

    await ingest(h, t, [{ fingerprint: 'r' }], { source: 'alertmanager' });
    const again = await settled(t, 'r', (x) => x.status === 'triggered');
    expect(again).toMatchObject({ occurrences: 2, acknowledged: null, resolved: null });
    expect(again.timeline.map((e) => e.kind)).toEqual(['created', 'resolved', 'retriggered']);
    const types = await waitFor(
      () => {
        const found = eventsOf(again.id).map(
          (e) => `${e.type}${e.payload['change'] ? `:${String(e.payload['change'])}` : ''}`,
        );
        return found.length >= 3 ? found : undefined;
      },
      { what: 'events' },
    );
    expect(types).toEqual(['alert.created', 'alert.resolved', 'alert.updated:retriggered']);
    expect(eventsOf(again.id)[1]!.payload['by']).toBe('source');
  });

  it('acknowledges and resolves with notes, who and when; refuses invalid transitions with 409 naming the status', async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'x' }]);
    const { id } = await settled(t, 'x');
    const ack = await rpc<AlertView>(RpcPatterns.AlertAcknowledge, t, { id, note: 'on it' });
    expect(ack).toMatchObject({ status: 'acknowledged', acknowledged: { by: USER.id, note: 'on it' } });
    expect(ack.acknowledged!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    const again = await rpcError(rpc(RpcPatterns.AlertAcknowledge, t, { id }));
    expect(again).toBeInstanceOf(RpcRemoteError);
    expect(again!.status).toBe(409);
    expect(again!.message).toBe(`cannot acknowledge alert ${id}: its status is acknowledged`);

    const note = await rpc<TimelineEntry>(RpcPatterns.AlertAddNote, t, { id, text: 'disk replaced' });
    expect(note).toMatchObject({ kind: 'note', by: USER.id, note: 'disk replaced' });
    const resolved = await rpc<AlertView>(RpcPatterns.AlertResolve, t, { id }, { kind: 'user', id: 'user-2' });
    expect(resolved).toMatchObject({
      status: 'resolved',
      acknowledged: { by: USER.id },
      resolved: { by: 'user-2', note: null },
    });

    for (const pattern of [RpcPatterns.AlertAcknowledge, RpcPatterns.AlertResolve]) {
      const error = await rpcError(rpc(pattern, t, { id }));
      expect(error!.status).toBe(409);
      expect(error!.message).toMatch(/its status is resolved$/);
    }
    const full = await get(t, 'x');
    expect(full.timeline.map((e) => [e.kind, e.by, e.note])).toEqual([
      ['created', null, null],
      ['acknowledged', USER.id, 'on it'],
      ['note', USER.id, 'disk replaced'],
      ['resolved', 'user-2', null],
    ]);
    const published = await waitFor(
      () => {
        const found = eventsOf(id);
        return found.length >= 4 ? found : undefined;
      },
      { what: 'lifecycle events' },
    );
    expect(published.map((e) => e.type)).toEqual([
      'alert.created',
      'alert.acknowledged',
      'alert.updated',
      'alert.resolved',
    ]);
    expect(published[1]).toMatchObject({
      actor: USER,
      payload: { by: USER.id, note: 'on it', alert: { status: 'acknowledged' } },
    });
    expect(published[2]!.payload['change']).toBe('note');
  });

  it("answers another tenant's alert exactly like a missing one (404), and never lists it", async () => {
    const owner = tenant();
    const other = tenant();
    await ingest(h, owner, [{ fingerprint: 'secret' }]);
    const { id } = await settled(owner, 'secret');
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const pattern of [RpcPatterns.AlertGet, RpcPatterns.AlertAcknowledge, RpcPatterns.AlertResolve]) {
      const foreign = await rpcError(rpc(pattern, other, { id }));
      const absent = await rpcError(rpc(pattern, other, { id: missing }));
      expect(foreign!.status).toBe(404);
      expect(absent!.status).toBe(404);
      expect(foreign!.message.replace(id, '<id>')).toBe(absent!.message.replace(missing, '<id>'));
    }
    expect((await rpcError(rpc(RpcPatterns.AlertAddNote, other, { id, text: 'x' })))!.status).toBe(404);
    expect((await list(other)).items).toEqual([]);
    expect((await list(other, { q: 'secret' })).items).toEqual([]);
    expect((await rpc<AlertStats>(RpcPatterns.AlertStats, other, { window: '24h' })).total).toBe(0);
    expect((await get(owner, 'secret')).status).toBe('triggered');
  });

  it('filters by status, severity, type, labels, time and text; sorts; pages stably while alerts arrive', async () => {
    const t = tenant();
    await ingest(h, t, [
      {
        fingerprint: 'f1',
        severity: 'critical',
        alertType: 'disk',
        labels: { team: 'db', env: 'prod' },
        summary: 'Disk almost FULL on db-1',
        startsAt: '1700000000000000',
      },
      {
        fingerprint: 'f2',
        severity: 'info',
        alertType: 'cpu',
        labels: { team: 'web', env: 'prod' },
        description: 'cpu is 50%_busy',
        startsAt: '1700000100000000',
      },
      {
        fingerprint: 'f3',
        severity: 'high',
        alertType: 'disk',
        labels: { team: 'web', env: 'dev' },
        startsAt: '1700000200000000',
      },
    ]);
    await ingest(h, t, [
      {
        fingerprint: 'f2',
        severity: 'info',
        alertType: 'cpu',
        labels: { team: 'web', env: 'prod' },
        description: 'cpu is 50%_busy',
      },
    ]);
    await settled(t, 'f2', (x) => x.occurrences === 2);
    await settled(t, 'f3');
    await rpc(RpcPatterns.AlertAcknowledge, t, { id: alertIdOf(t, 'f3') });
    const fps = async (query: object) => (await list(t, query)).items.map((x) => x.fingerprint);
    expect(await fps({ status: ['acknowledged'] })).toEqual(['f3']);
    expect((await fps({ status: ['triggered'] })).sort()).toEqual(['f1', 'f2']);
    expect((await fps({ severity: ['critical', 'high'] })).sort()).toEqual(['f1', 'f3']);
    expect((await fps({ alertType: 'disk' })).sort()).toEqual(['f1', 'f3']);
    expect(await fps({ label: ['team=web', 'env=prod'] })).toEqual(['f2']);
    expect(await fps({ label: ['team=nobody'] })).toEqual([]);
    expect(await fps({ q: 'almost full' })).toEqual(['f1']);
    expect(await fps({ q: '50%_b' })).toEqual(['f2']);
    expect(await fps({ q: '50%%' })).toEqual([]);
    expect(await fps({ q: 'team=db' })).toEqual(['f1']);
    expect((await fps({ from: '2023-11-14T22:15:00Z', to: '2023-11-14T22:20:00Z' })).sort()).toEqual(['f2', 'f3']);
    expect(await fps({ sort: 'severity' })).toEqual(['f1', 'f3', 'f2']);
    expect(await fps({ sort: 'severity', order: 'asc' })).toEqual(['f2', 'f3', 'f1']);
    expect((await fps({ sort: 'occurrences' }))[0]).toBe('f2');
    expect(await fps({ sort: 'started_at', order: 'asc' })).toEqual(['f1', 'f2', 'f3']);

    // Pagination: keyset on (sort key, id); alerts arriving meanwhile do not shift later pages.
    const p = tenant();
    await ingest(
      h,
      p,
      Array.from({ length: 25 }, (_, i) => ({
        fingerprint: `p${String(i).padStart(2, '0')}`,
        startsAt: String(1_700_000_000_000_000 + i * 1_000_000),
      })),
    );
    await waitFor(async () => ((await list(p, { limit: 200 })).items.length === 25 ? true : undefined), {
      what: '25 alerts',
    });
    for (const sort of ['last_seen_at', 'started_at', 'severity'] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let round = 0;
      do {
        const page: Page<AlertView> = await list(p, { sort, limit: 7, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((x) => x.fingerprint));
        cursor = page.nextCursor;
        if (round++ === 0) {
          // New alerts sort before the cursor (newest first), so they never appear on later pages.
          await ingest(h, p, [{ fingerprint: `new-${sort}`, startsAt: String(Date.now() * 1000) }]);
          await settled(p, `new-${sort}`);
        }
      } while (cursor);
      expect(seen.filter((f) => f.startsWith('p')).sort()).toEqual(
        Array.from({ length: 25 }, (_, i) => `p${String(i).padStart(2, '0')}`),
      );
      expect(new Set(seen).size).toBe(seen.length);
    }
    const error = await rpcError(list(p, { sort: 'severity', cursor: (await list(p, { limit: 1 })).nextCursor! }));
    expect(error!.status).toBe(422);
    expect(error!.message).toMatch(/^cursor: /);
  });

  it('adds up its stats: total = Σ by status = Σ by severity = Σ by source', async () => {
    const t = tenant();
    await ingest(h, t, [
      { fingerprint: 's1', severity: 'critical', alertType: 'disk' },
      { fingerprint: 's2', severity: 'critical', alertType: 'disk' },
      { fingerprint: 's3', severity: 'low', alertType: 'cpu' },
    ]);
    await ingest(h, t, [{ fingerprint: 's4', severity: 'info', alertType: 'disk' }], { source: 'grafana' });
    await settled(t, 's4');
    await settled(t, 's3');
    await rpc(RpcPatterns.AlertAcknowledge, t, { id: alertIdOf(t, 's1') });
    await rpc(RpcPatterns.AlertResolve, t, { id: alertIdOf(t, 's1') });
    await rpc(RpcPatterns.AlertResolve, t, { id: alertIdOf(t, 's2') });
    const stats = await rpc<AlertStats>(RpcPatterns.AlertStats, t, { window: '24h' });
    const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    expect(stats.total).toBe(4);
    expect(sum(stats.byStatus)).toBe(4);
    expect(sum(stats.bySeverity)).toBe(4);
    expect(stats.busiestSources.reduce((a, s) => a + s.count, 0)).toBe(4);
    expect(stats).toMatchObject({
      window: '24h',
      byStatus: { triggered: 2, acknowledged: 0, resolved: 2 },
      bySeverity: { critical: 2, high: 0, warning: 0, low: 1, info: 1 },
      topAlertTypes: [
        { alertType: 'disk', count: 3 },
        { alertType: 'cpu', count: 1 },
      ],
      busiestSources: [
        { source: 'api', count: 3 },
        { source: 'grafana', count: 1 },
      ],
    });
    expect(stats.meanTimeToAcknowledge).toBeGreaterThanOrEqual(0);
    expect(stats.meanTimeToResolve).toBeGreaterThanOrEqual(stats.meanTimeToAcknowledge!);
    expect(new Date(stats.to).getTime() - new Date(stats.from).getTime()).toBe(24 * 3600 * 1000);
  });

  it('manages silences, validates them (naming the bad regex), and flags matching alerts silenced', async () => {
    const t = tenant();
    const bad = await rpcError(
      rpc(RpcPatterns.AlertSilencesCreate, t, {
        matchers: [{ name: 'team', op: '=~', value: '(db' }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    // The contract refuses it at the bus (the gateway answers 422 before); the service checks again.
    expect(bad!.status).toBe(400);
    expect(bad!.message).toBe(
      'invalid request: payload.matchers.0.value: invalid regular expression: missing closing ): `(db`',
    );
    const backwards = await rpcError(
      rpc(RpcPatterns.AlertSilencesCreate, t, {
        matchers: [{ name: 'a', op: '=', value: 'b' }],
        startsAt: '2030-01-01T00:00:00Z',
        endsAt: '2029-01-01T00:00:00Z',
      }),
    );
    expect(backwards!.status).toBe(422);
    expect(backwards!.message).toBe('endsAt: must be after startsAt');

    const silence = await rpc<SilenceView>(RpcPatterns.AlertSilencesCreate, t, {
      matchers: [
        { name: 'team', op: '=~', value: 'db|storage' },
        { name: 'env', op: '!=', value: 'dev' },
      ],
      startsAt: new Date(Date.now() - 1_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      comment: 'maintenance',
    });
    expect(silence).toMatchObject({ state: 'active', comment: 'maintenance', createdBy: USER.id });
    await ingest(h, t, [
      { fingerprint: 'quiet', labels: { team: 'db', env: 'prod' } },
      { fingerprint: 'loud', labels: { team: 'dbx', env: 'prod' } },
    ]);
    const quiet = await settled(t, 'quiet');
    expect(quiet.silenced).toBe(true);
    expect((await settled(t, 'loud')).silenced).toBe(false);
    expect((await list(t)).items.map((x) => x.fingerprint).sort()).toEqual(['loud', 'quiet']);
    const event = await waitFor(() => eventsOf(quiet.id)[0], { what: 'alert.created' });
    expect((event.payload['alert'] as { silenced: boolean }).silenced).toBe(true);

    expect(await rpc<SilenceView>(RpcPatterns.AlertSilencesGet, t, { id: silence.id })).toEqual(silence);
    const pending = await rpc<SilenceView>(RpcPatterns.AlertSilencesUpdate, t, {
      id: silence.id,
      startsAt: new Date(Date.now() + 600_000).toISOString(),
    });
    expect(pending).toMatchObject({ state: 'pending', matchers: silence.matchers, comment: 'maintenance' });
    expect(
      (await rpcError(
        rpc(RpcPatterns.AlertSilencesUpdate, t, {
          id: silence.id,
          matchers: [{ name: 'x', op: '!~', value: '(?!a)' }],
        }),
      ))!.status,
    ).toBe(400);
    const second = await rpc<SilenceView>(RpcPatterns.AlertSilencesCreate, t, {
      matchers: [{ name: 'a', op: '=', value: 'b' }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const first = await rpc<Page<SilenceView>>(RpcPatterns.AlertSilencesList, t, { limit: 1 });
    expect(first.items.map((s) => s.id)).toEqual([second.id]);
    const next = await rpc<Page<SilenceView>>(RpcPatterns.AlertSilencesList, t, {
      limit: 1,
      cursor: first.nextCursor,
    });
    expect(next).toEqual({ items: [expect.objectContaining({ id: silence.id })], nextCursor: null });
    expect((await rpcError(rpc(RpcPatterns.AlertSilencesGet, tenant(), { id: silence.id })))!.status).toBe(404);
    expect((await rpc<SilenceView>(RpcPatterns.AlertSilencesDelete, t, { id: silence.id })).id).toBe(silence.id);
    expect((await rpcError(rpc(RpcPatterns.AlertSilencesGet, t, { id: silence.id })))!.status).toBe(404);
  });

  it('keeps rejected payloads raw with their reason, newest first, paginated, once per envelope', async () => {
    const t = tenant();
    const bodies = ['{"not":"mapped"}', 'plain text \u0000 with NUL', '<xml/>'];
    const envelopes = [];
    for (const body of bodies) {
      envelopes.push(
        await h.client.publish(RoutingKeys.IngestPayloadRejected, {
          tenantId: t,
          payload: { source: 'generic', reason: `cannot map ${body.length}`, body, contentType: 'text/plain' },
        }),
      );
    }
    await h.publishRaw(envelopes[0]!);
    const all = await waitFor(
      async () => {
        const page = await rpc<Page<RejectedPayloadView>>(RpcPatterns.AlertRejectedList, t, { limit: 200 });
        return page.items.length === 3 ? page : undefined;
      },
      { what: 'rejected payloads' },
    );
    expect(all.items.map((r) => r.body)).toEqual([...bodies].reverse());
    expect(all.items[0]).toMatchObject({ source: 'generic', reason: 'cannot map 6', contentType: 'text/plain' });
    const page1 = await rpc<Page<RejectedPayloadView>>(RpcPatterns.AlertRejectedList, t, { limit: 2 });
    const page2 = await rpc<Page<RejectedPayloadView>>(RpcPatterns.AlertRejectedList, t, {
      limit: 2,
      cursor: page1.nextCursor,
    });
    expect([...page1.items, ...page2.items].map((r) => r.id)).toEqual(all.items.map((r) => r.id));
    expect(page2.nextCursor).toBeNull();
    expect((await rpc<Page<RejectedPayloadView>>(RpcPatterns.AlertRejectedList, tenant(), {})).items).toEqual([]);
  });

  it('returns ugly strings exactly: NUL and control characters, SQL, HTML, 4-byte Unicode, deep and huge JSON', async () => {
    const t = tenant();
    const ugly = "nul\u0000 bell\u0007 esc\u001b '; DROP TABLE alerts; -- <script>alert(1)</script> 😀𝄞 \\u0000 %_";
    let deep: Record<string, unknown> = { leaf: ugly };
    for (let i = 0; i < 60; i++) deep = { [`level${i}`]: deep, list: [i, null, true, 1.5e-7] };
    const data = { deep, huge: 'x'.repeat(200_000), yaml: 'a: 1\nb:\n  - c\n', [ugly]: ugly };
    await ingest(h, t, [
      {
        fingerprint: `fp${ugly}`,
        summary: ugly,
        description: ugly,
        labels: { [`k${ugly}`]: ugly, plain: 'v' },
        annotations: { note: ugly },
        runbook: ugly,
        environment: ugly.slice(0, 60),
        data,
      },
    ]);
    const alert = await settled(t, `fp${ugly}`);
    expect(alert).toMatchObject({
      fingerprint: `fp${ugly}`,
      summary: ugly,
      description: ugly,
      runbook: ugly,
      environment: ugly.slice(0, 60),
      labels: { [`k${ugly}`]: ugly, plain: 'v' },
      annotations: { note: ugly },
    });
    expect(alert.data).toEqual(data);
    const note = await rpc<TimelineEntry>(RpcPatterns.AlertAddNote, t, { id: alert.id, text: ugly });
    expect(note.note).toBe(ugly);
    expect((await get(t, `fp${ugly}`)).timeline.at(-1)!.note).toBe(ugly);
    expect((await list(t, { label: [`k${ugly}=${ugly}`] })).items.map((x) => x.id)).toEqual([alert.id]);
    expect((await list(t, { q: 'drop table alerts' })).items.map((x) => x.id)).toEqual([alert.id]);
    expect((await list(t, { q: '😀𝄞' })).items.map((x) => x.id)).toEqual([alert.id]);
  });

  it('gives a redelivered envelope no second effect', async () => {
    const t = tenant();
    const envelope = await ingest(h, t, [{ fingerprint: 'once' }, { fingerprint: 'once' }]);
    await settled(t, 'once');
    await h.publishRaw(envelope);
    await h.publishRaw(envelope);
    // A later envelope shows the queue got past the redeliveries.
    await ingest(h, t, [{ fingerprint: 'marker' }]);
    await settled(t, 'marker');
    expect((await get(t, 'once')).occurrences).toBe(2);
    // Also when the copies arrive together, in one batch.
    const twin = createEnvelope({
      type: RoutingKeys.IngestAlertsReceived,
      tenantId: t,
      payload: { source: 'api', alerts: [(envelope.payload as { alerts: object[] }).alerts[0]] },
    });
    await Promise.all([h.publishRaw(twin), h.publishRaw(twin), h.publishRaw(twin)]);
    await ingest(h, t, [{ fingerprint: 'marker2' }]);
    await settled(t, 'marker2');
    expect((await get(t, 'once')).occurrences).toBe(3);
    expect(eventsOf(alertIdOf(t, 'once')).map((e) => e.type)).toEqual(['alert.created']);
  });

  it("stores a tenant's generic-webhook mapping: replaced by a put, with its author, invisible to other tenants", async () => {
    const t = tenant();
    const other = tenant();
    const getMapping = (tenantId: string) => rpc<WebhookMappingView>(RpcPatterns.AlertWebhookMappingGet, tenantId, {});
    expect(await getMapping(t)).toEqual({ source: 'generic', mapping: null, updatedAt: null, updatedBy: null });
    const first = await rpc<WebhookMappingView>(
      RpcPatterns.AlertWebhookMappingPut,
      t,
      { type: '$.check.name', severity: 'check.level', items: 'events' },
      USER,
    );
    expect(first).toEqual({
      source: 'generic',
      mapping: { items: 'events', type: '$.check.name', severity: 'check.level' },
      updatedAt: expect.stringMatching(/^\d{4}-.+\.\d{6}Z$/),
      updatedBy: USER.id,
    });
    expect(await getMapping(t)).toEqual(first);
    expect(await getMapping(other)).toEqual({ source: 'generic', mapping: null, updatedAt: null, updatedBy: null });
    // A put replaces the whole mapping; fields the contract does not know are not stored.
    const second = await rpc<WebhookMappingView>(
      RpcPatterns.AlertWebhookMappingPut,
      t,
      { fingerprint: "$['key.with.dots']", extra: 'x' },
      { kind: 'api-key', id: 'key-1' },
    );
    expect(second).toMatchObject({ mapping: { fingerprint: "$['key.with.dots']" }, updatedBy: 'key-1' });
    expect(await getMapping(t)).toEqual(second);
    const refused = await rpcError(rpc(RpcPatterns.AlertWebhookMappingPut, t, { type: 'x'.repeat(257) }));
    expect(refused).toBeInstanceOf(RpcRemoteError);
    expect(await getMapping(t)).toEqual(second);
  });
});
