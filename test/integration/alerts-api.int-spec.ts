// The alert API through the gateway over the alert service's RPCs: list with filters, one alert with
// its timeline, acknowledge/resolve (409 on an invalid step), notes, stats, silences, rejected
// payloads; roles and scopes as docs/access.md says; another tenant's alert answered as a missing one.
import type { AlertView, AlertWithTimeline, Page, SilenceView, TimelineEntry } from '@vigil/contracts';
import { parseAccessTable } from '../support/access-table.js';
import {
  call,
  createTestTenant,
  login,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Answer,
  type Auth,
  type TestTenant,
  RELAXED_RATE_LIMITS,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const MISSING_ID = '01900000-0000-7000-8000-000000000000';

function expectJsonError(answer: Answer, status: number, message: RegExp): void {
  expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json/),
  });
  expect(answer.body).toMatchObject({
    statusCode: status,
    message: expect.stringMatching(message),
    correlationId: expect.any(String),
  });
}

describe(`alert API through the gateway (${TEST_MODE})`, () => {
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  let ids: { disk: string; cpu: string; net: string };
  const api = <T = Record<string, unknown>>(method: string, path: string, auth?: Auth, body?: unknown) =>
    call<T>(system.url, method, path, { auth, body });

  async function ok<T = Record<string, unknown>>(answer: Promise<Answer<T>>, status = 200): Promise<T> {
    const got = await answer;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${JSON.stringify(got.body)}`);
    return got.body;
  }

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
      },
    });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    [a, b] = await Promise.all([
      createTestTenant(system.url, platform, `alerts-a-${RUN}`),
      createTestTenant(system.url, platform, `alerts-b-${RUN}`, { roles: ['admin'] }),
    ]);
    const posted = await ok<{ ids: string[] }>(
      api('POST', '/api/v1/alerts', { apiKey: a.keys['alerts:write']!.key }, [
        {
          alert_type: 'disk-full',
          runbook: 'rb',
          severity: 'critical',
          labels: { host: 'db-1', team: 'data' },
          summary: 'Disk almost full on db-1',
        },
        {
          alert_type: 'cpu-high',
          runbook: 'rb',
          severity: 'warning',
          labels: { host: 'api-1', team: 'web' },
          summary: 'CPU hot on api-1',
        },
        {
          alert_type: 'net-loss',
          runbook: 'rb',
          severity: 'low',
          labels: { host: 'edge-1', team: 'web' },
          summary: 'Packet loss at the edge',
        },
      ]),
      202,
    );
    const [disk, cpu, net] = posted.ids as [string, string, string];
    ids = { disk, cpu, net };
    await waitFor(
      async () => {
        const page = await api<Page<AlertView>>('GET', '/api/v1/alerts?limit=200', {
          apiKey: a.keys['alerts:read']!.key,
        });
        return page.body.items?.length === 3 ? page : undefined;
      },
      { what: 'alerts stored' },
    );
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  it('lists with AND-combined filters: status, severity (lists), alert_type, label, q; sorted and paged', async () => {
    const viewer = a.users.viewer.auth;
    const list = async (query: string) =>
      (await ok<Page<AlertView>>(api('GET', `/api/v1/alerts${query}`, viewer))).items.map((x) => x.alertType).sort();
    expect(await list('')).toEqual(['cpu-high', 'disk-full', 'net-loss']);
    expect(await list('?severity=critical,low')).toEqual(['disk-full', 'net-loss']);
    expect(await list('?severity=critical&severity=warning')).toEqual(['cpu-high', 'disk-full']);
    expect(await list('?alert_type=cpu-high')).toEqual(['cpu-high']);
    expect(await list('?label=team=web')).toEqual(['cpu-high', 'net-loss']);
    expect(await list('?label=team=web&label=host=edge-1')).toEqual(['net-loss']);
    expect(await list('?status=triggered&q=disk')).toEqual(['disk-full']);
    const first = await ok<Page<AlertView>>(api('GET', '/api/v1/alerts?limit=2&sort=severity&order=desc', viewer));
    expect(first.items.map((x) => x.severity)).toEqual(['critical', 'warning']);
    const second = await ok<Page<AlertView>>(
      api(
        'GET',
        `/api/v1/alerts?limit=2&sort=severity&order=desc&cursor=${encodeURIComponent(first.nextCursor!)}`,
        viewer,
      ),
    );
    expect(second.items.map((x) => x.severity)).toEqual(['low']);
  });

  it('refuses bad query parameters with 422 naming them', async () => {
    const auth = a.users.viewer.auth;
    expectJsonError(
      await api('GET', '/api/v1/alerts?status=open', auth),
      422,
      /status must be among triggered, acknowledged, resolved/,
    );
    expectJsonError(await api('GET', '/api/v1/alerts?limit=500', auth), 422, /limit/);
    expectJsonError(await api('GET', '/api/v1/alerts?label=novalue', auth), 422, /label must look like key=value/);
    expectJsonError(await api('GET', '/api/v1/alerts?colour=red', auth), 422, /colour: unknown query parameter/);
    expectJsonError(await api('GET', '/api/v1/alerts?from=yesterday', auth), 422, /from/);
    expectJsonError(await api('GET', '/api/v1/alerts/not-a-uuid', auth), 422, /id: must be a UUID/);
    expectJsonError(
      await api('GET', '/api/v1/alerts/stats?window=forever', auth),
      422,
      /window must look like 15m, 24h or 7d/,
    );
  });

  it('acknowledges then resolves with notes, with the timeline; an invalid step is 409 naming the current status', async () => {
    const operator = a.users.operator.auth;
    const acked = await ok<AlertView>(
      api('PUT', `/api/v1/alerts/${ids.disk}/acknowledge`, operator, { note: 'looking' }),
    );
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledged: { by: a.users.operator.id, note: 'looking' } });
    expectJsonError(
      await api('PUT', `/api/v1/alerts/${ids.disk}/acknowledge`, operator, {}),
      409,
      /its status is acknowledged/,
    );
    const note = await ok<TimelineEntry>(
      api('POST', `/api/v1/alerts/${ids.disk}/notes`, { apiKey: a.keys['alerts:write']!.key }, { text: 'freed 20 GB' }),
      201,
    );
    expect(note).toMatchObject({ kind: 'note', note: 'freed 20 GB' });
    const resolved = await ok<AlertView>(
      api('PUT', `/api/v1/alerts/${ids.disk}/resolve`, a.users.manager.auth, { note: 'done' }),
    );
    expect(resolved).toMatchObject({ status: 'resolved', resolved: { by: a.users.manager.id, note: 'done' } });
    expectJsonError(await api('PUT', `/api/v1/alerts/${ids.disk}/resolve`, operator), 409, /its status is resolved/);
    const detail = await ok<AlertWithTimeline>(api('GET', `/api/v1/alerts/${ids.disk}`, a.users.viewer.auth));
    // The alert's investigation (skipped: no model here) ends on its own schedule: its entry may come anywhere.
    expect(detail.timeline.map((e) => e.kind).filter((kind) => kind !== 'analysed')).toEqual([
      'created',
      'acknowledged',
      'note',
      'resolved',
    ]);
    expectJsonError(
      await api('PUT', `/api/v1/alerts/${ids.cpu}/acknowledge`, a.users.viewer.auth, {}),
      403,
      /needs the role/,
    );
    expectJsonError(await api('POST', `/api/v1/alerts/${ids.cpu}/notes`, operator, { text: '' }), 422, /text/);
    expectJsonError(
      await api('PUT', `/api/v1/alerts/${ids.cpu}/acknowledge`, operator, { note: 'x', extra: 1 }),
      422,
      /extra: property extra should not exist/,
    );
  });

  it('answers stats over a window', async () => {
    const stats = await ok<{ window: string; total: number; bySeverity: Record<string, number> }>(
      api('GET', '/api/v1/alerts/stats?window=24h', { apiKey: a.keys['alerts:read']!.key }),
    );
    expect(stats).toMatchObject({ window: '24h', total: 3, bySeverity: { critical: 1, warning: 1, low: 1 } });
    expect((await ok<{ window: string }>(api('GET', '/api/v1/alerts/stats', a.users.viewer.auth))).window).toBe('24h');
  });

  it('creates, reads, changes and deletes silences (operators and up; everyone reads)', async () => {
    const startsAt = new Date().toISOString();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const silence = await ok<SilenceView>(
      api('POST', '/api/v1/silences', a.users.operator.auth, {
        matchers: [{ name: 'team', op: '=', value: 'web' }],
        startsAt,
        endsAt,
        comment: 'deploy',
      }),
      201,
    );
    expect(silence).toMatchObject({
      matchers: [{ name: 'team', op: '=', value: 'web' }],
      comment: 'deploy',
      state: 'active',
    });
    expect(
      (await ok<Page<SilenceView>>(api('GET', '/api/v1/silences', a.users.viewer.auth))).items.map((s) => s.id),
    ).toContain(silence.id);
    expect(
      await ok<SilenceView>(
        api(
          'PATCH',
          `/api/v1/silences/${silence.id}`,
          { apiKey: a.keys['alerts:write']!.key },
          { comment: 'longer deploy' },
        ),
      ),
    ).toMatchObject({ id: silence.id, comment: 'longer deploy' });
    expect(
      await ok<SilenceView>(api('GET', `/api/v1/silences/${silence.id}`, { apiKey: a.keys['alerts:read']!.key })),
    ).toMatchObject({ comment: 'longer deploy' });
    expectJsonError(
      await api('POST', '/api/v1/silences', a.users.viewer.auth, {
        matchers: [{ name: 'team', op: '=', value: 'web' }],
        startsAt,
        endsAt,
      }),
      403,
      /needs the role/,
    );
    expectJsonError(
      await api('POST', '/api/v1/silences', a.users.operator.auth, {
        matchers: [{ name: 'team', op: '~', value: 'web' }],
        startsAt,
        endsAt,
      }),
      422,
      /op must be one of/,
    );
    await ok(api('DELETE', `/api/v1/silences/${silence.id}`, a.users.operator.auth), 204);
    expect((await api('GET', `/api/v1/silences/${silence.id}`, a.users.viewer.auth)).status).toBe(404);
  });

  it('shows rejected payloads to managers and admins only', async () => {
    const refused = await api(
      'POST',
      '/api/v1/webhooks/alertmanager',
      { apiKey: a.keys['alerts:write']!.key },
      { nothing: 'here' },
    );
    expect(refused.status).toBe(422);
    const page = await waitFor(
      async () => {
        const answer = await api<Page<{ id: string; source: string }>>(
          'GET',
          '/api/v1/alerts/rejected',
          a.users.manager.auth,
        );
        return answer.body.items?.some((item) => item.id === refused.body.rejectedId) ? answer.body : undefined;
      },
      { what: 'rejected kept' },
    );
    expect(page.items.find((item) => item.id === refused.body.rejectedId)).toMatchObject({ source: 'alertmanager' });
    expect((await api('GET', '/api/v1/alerts/rejected', { apiKey: a.keys['admin']!.key })).status).toBe(200);
    expectJsonError(
      await api('GET', '/api/v1/alerts/rejected', a.users.operator.auth),
      403,
      /needs the role admin or manager/,
    );
  });

  describe('another tenant', () => {
    const objectRoutes = () => [
      { method: 'GET', path: `/api/v1/alerts/${ids.cpu}` },
      { method: 'PUT', path: `/api/v1/alerts/${ids.cpu}/acknowledge`, body: { note: 'hijack' } },
      { method: 'PUT', path: `/api/v1/alerts/${ids.cpu}/resolve`, body: { note: 'hijack' } },
      { method: 'POST', path: `/api/v1/alerts/${ids.cpu}/notes`, body: { text: 'hijack' } },
      { method: 'POST', path: `/api/v1/alerts/${ids.cpu}/investigations` },
      { method: 'GET', path: `/api/v1/silences/${ids.cpu}` },
      { method: 'PATCH', path: `/api/v1/silences/${ids.cpu}`, body: { comment: 'hijack' } },
      { method: 'DELETE', path: `/api/v1/silences/${ids.cpu}` },
    ];

    it('covers every alert and silence route of the table that takes an id', () => {
      const withId = parseAccessTable()
        .filter((row) => row.path.includes(':alertId') || row.path.includes(':silenceId'))
        .map((row) => `${row.method} ${row.path}`);
      const covered = objectRoutes().map(
        (r) =>
          `${r.method} ${r.path.replace(`/alerts/${ids.cpu}`, '/alerts/:alertId').replace(`/silences/${ids.cpu}`, '/silences/:silenceId')}`,
      );
      expect(covered.sort()).toEqual(withId.sort());
    });

    /** 404 for a caller the route admits (as for an id that never existed), 403 for one it refuses whatever the id. */
    function expectedStatus(route: { method: string; path: string }, auth: Auth): number {
      const template = route.path
        .replace(/\/alerts\/[0-9a-f-]{36}/, '/alerts/:alertId')
        .replace(/\/silences\/[0-9a-f-]{36}/, '/silences/:silenceId');
      const row = parseAccessTable().find((r) => r.method === route.method && r.path === template)!;
      if (auth && 'apiKey' in auth) {
        const scope = Object.entries(b.keys).find(([, key]) => key.key === auth.apiKey)![0];
        return row.scopes.includes(scope) ? 404 : 403;
      }
      return row.roles.includes('admin') ? 404 : 403;
    }

    it("answers B's credentials on A's alert and silence exactly like missing ones, changes nothing, lists nothing of A", async () => {
      const silence = await ok<SilenceView>(
        api('POST', '/api/v1/silences', a.users.operator.auth, {
          matchers: [{ name: 'host', op: '=', value: 'x' }],
          startsAt: new Date().toISOString(),
          endsAt: new Date(Date.now() + 60_000).toISOString(),
          comment: 'kept by A',
        }),
        201,
      );
      const routes = objectRoutes().map((r) => ({
        ...r,
        path: r.path.replace(`/silences/${ids.cpu}`, `/silences/${silence.id}`),
      }));
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const [name, auth] of [
        ['admin user', b.users.admin.auth],
        ['alerts:write key', { apiKey: b.keys['alerts:write']!.key }],
        ['alerts:read key', { apiKey: b.keys['alerts:read']!.key }],
      ] as [string, Auth][]) {
        for (const route of routes) {
          const foreign = await api(route.method, route.path, auth, route.body);
          const foreignId = /[0-9a-f-]{36}/.exec(route.path)![0];
          const missing = await api(route.method, route.path.replace(foreignId, MISSING_ID), auth, route.body);
          const status = expectedStatus(route, auth);
          outcomes.push(`${name} ${route.method} ${route.path}: ${foreign.status}, missing ${missing.status}`);
          expected.push(`${name} ${route.method} ${route.path}: ${status}, missing ${status}`);
          const { correlationId: _f, ...foreignBody } = foreign.body;
          const { correlationId: _m, ...missingBody } = missing.body;
          expect(JSON.stringify(foreignBody).replaceAll(foreignId, ':id')).toBe(
            JSON.stringify(missingBody).replaceAll(MISSING_ID, ':id'),
          );
        }
        const listed = await api('GET', '/api/v1/alerts?limit=200', auth);
        if (listed.status === 200) expect(JSON.stringify(listed.body)).not.toContain(ids.cpu);
        const silences = await api('GET', '/api/v1/silences?limit=200', auth);
        if (silences.status === 200) expect(JSON.stringify(silences.body)).not.toContain(silence.id);
      }
      expect(outcomes).toEqual(expected);
      expect(await ok(api('GET', `/api/v1/alerts/${ids.cpu}`, a.users.viewer.auth))).toMatchObject({
        status: 'triggered',
      });
      expect(await ok(api('GET', `/api/v1/silences/${silence.id}`, a.users.viewer.auth))).toMatchObject({
        id: silence.id,
        comment: 'kept by A',
      });
    });

    it("never shows B A's rejected payloads or A's webhook mapping, and B's mapping leaves A's alone", async () => {
      const marker = `rejected-of-a-${RUN}`;
      const refused = await api(
        'POST',
        '/api/v1/webhooks/alertmanager',
        { apiKey: a.keys['alerts:write']!.key },
        { nothing: marker },
      );
      expect(refused.status).toBe(422);
      const rejectedId = String(refused.body.rejectedId);
      await waitFor(
        async () => {
          const page = await api<Page<{ id: string }>>('GET', '/api/v1/alerts/rejected?limit=200', a.users.admin.auth);
          return page.body.items?.some((item) => item.id === rejectedId) ? true : undefined;
        },
        { what: "A's rejected payload kept" },
      );
      const mappingPath = '/api/v1/webhooks/generic/mapping';
      await ok(api('PUT', mappingPath, a.users.admin.auth, { type: '$.check.name', severity: 'check.level' }));

      for (const auth of [b.users.admin.auth, { apiKey: b.keys['admin']!.key }] as Auth[]) {
        const rejected = await ok(api('GET', '/api/v1/alerts/rejected?limit=200', auth));
        expect(JSON.stringify(rejected)).not.toContain(rejectedId);
        expect(JSON.stringify(rejected)).not.toContain(marker);
        expect(await ok(api('GET', mappingPath, auth))).toMatchObject({ source: 'generic', mapping: null });
      }
      await ok(api('PUT', mappingPath, b.users.admin.auth, { type: 'b.only' }));
      expect(await ok(api('GET', mappingPath, b.users.admin.auth))).toMatchObject({ mapping: { type: 'b.only' } });
      expect(await ok(api('GET', mappingPath, a.users.admin.auth))).toMatchObject({
        mapping: { type: '$.check.name', severity: 'check.level' },
      });
      // A's webhooks still map with A's paths, not B's.
      const posted = await api<{ ids: string[] }>(
        'POST',
        '/api/v1/webhooks/generic',
        { apiKey: a.keys['alerts:write']!.key },
        { check: { name: `mapped-${RUN}`, level: 'critical' } },
      );
      expect(posted.status).toBe(202);
    });
  });
});
