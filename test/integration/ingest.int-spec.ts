// Alerts in through the gateway, end to end: the flexible alert API, the Alertmanager,
// Grafana and generic receivers with real payloads, what is refused and how it is kept, and 503 when
// the broker cannot take a request.
import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { alertIdOf, RoutingKeys, type AlertWithTimeline, type Page, type RejectedPayloadView } from '@vigil/contracts';
import { PublishWithdrawnError, VigilBusClient } from '@vigil/messaging';
import {
  authHeaders,
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
const MAX_BATCH = 50;
const PUBLISH_TIMEOUT_MS = 400;

interface Fixture {
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Fixture;
}

/** A captured request sent again as it was, its credential replaced by a real key. */
async function replay(url: string, path: string, captured: Fixture, key: string): Promise<Answer> {
  const headers: Record<string, string> = { ...captured.headers, authorization: `Bearer ${key}` };
  delete headers['host'];
  delete headers['content-length'];
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(captured.body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

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

describe(`alert ingest through the gateway (${TEST_MODE})`, () => {
  let system: TestHarness;
  let t: TestTenant;
  let writer: Auth;
  let reader: Auth;
  const api = <T = Record<string, unknown>>(
    method: string,
    path: string,
    auth?: Auth,
    body?: unknown,
    headers?: Record<string, string>,
  ) => call<T>(system.url, method, path, { auth, body, ...(headers ? { headers } : {}) });

  /** The alert as the alert service stores it, once it has. */
  const stored = (id: string, until: (alert: AlertWithTimeline) => boolean = () => true) =>
    waitFor(
      async () => {
        const answer = await api<AlertWithTimeline>('GET', `/api/v1/alerts/${id}`, reader);
        return answer.status === 200 && until(answer.body) ? answer.body : undefined;
      },
      { what: `alert ${id} stored` },
    );

  const rejected = (id: string) =>
    waitFor(
      async () => {
        const page = await api<Page<RejectedPayloadView>>(
          'GET',
          '/api/v1/alerts/rejected?limit=200',
          t.users.manager.auth,
        );
        return page.body.items?.find((item) => item.id === id);
      },
      { what: `rejected payload ${id} kept` },
    );

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
        ALERTS_MAX_BATCH: String(MAX_BATCH),
        INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      },
    });
    const platform = await login(system.url, system.admin.email, system.admin.password);
    t = await createTestTenant(system.url, { bearer: platform.access_token }, `ingest-${RUN}`);
    writer = { apiKey: t.keys['alerts:write']!.key };
    reader = { apiKey: t.keys['alerts:read']!.key };
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  describe('POST /api/v1/alerts', () => {
    it('answers 202 with the id, and the alert service stores data exactly as sent', async () => {
      const data = {
        cluster: 'prod-us-west-2',
        metadata: {
          tags: ['payment', 'critical-service'],
          thresholds: { cpu: 80, memory: 85.5 },
          nothing: null,
          flags: [true, false],
        },
        kubernetes_config: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payment-config\n',
        control: 'tab\there, bell\u0007, escape\u001b[31m, nul\u0000 end',
        sql: 'x\'; DROP TABLE alerts; -- " OR 1=1',
        html: '<script>alert("x")</script><img src=x onerror=alert(1)>&amp;',
        unicode: '😀 𝄞 中文 عربى \u200d\ufeff',
        deep: JSON.parse(`${'{"n":'.repeat(100)}1${'}'.repeat(100)}`) as unknown,
        big: 'y'.repeat(200_000),
      };
      const answer = await api<{ ids: string[] }>('POST', '/api/v1/alerts', writer, {
        alert_type: 'kubernetes',
        runbook: 'https://runbooks.example.com/k8s',
        severity: 'CRITICAL',
        data,
        labels: { app: 'payments' },
      });
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ids: [expect.stringMatching(/^[0-9a-f-]{36}$/)] });
      const alert = await stored(answer.body.ids[0]!);
      expect(alert).toMatchObject({
        id: answer.body.ids[0],
        alertType: 'kubernetes',
        severity: 'critical',
        status: 'triggered',
        source: 'api',
        environment: 'production',
        runbook: 'https://runbooks.example.com/k8s',
        labels: { app: 'payments' },
      });
      expect(alert.data).toEqual(data);
    });

    it('keeps keys named constructor, __proto__ and prototype in data and labels as sent', async () => {
      const text = `{"alert_type":"proto-keys-${RUN}","runbook":"https://runbooks.example.com/proto","labels":{"constructor":"c","prototype":"p"},"data":{"constructor":{"a":1},"__proto__":{"b":2},"items":[{"prototype":null}]}}`;
      const res = await fetch(`${system.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'x-api-key': t.keys['alerts:write']!.key, 'content-type': 'application/json' },
        body: text,
      });
      expect(res.status).toBe(202);
      const { ids } = (await res.json()) as { ids: string[] };
      const sent = JSON.parse(text) as { labels: unknown; data: unknown };
      const alert = await stored(ids[0]!);
      expect(alert.labels).toEqual(sent.labels);
      expect(alert.data).toEqual(sent.data);
      expect(Object.keys(alert.data as object)).toEqual(['constructor', '__proto__', 'items']);
    });

    it('takes an array and answers the ids in request order; a repeat has the same id', async () => {
      const alerts = [
        { alert_type: 'disk', runbook: 'rb', fingerprint: `disk-${RUN}`, timestamp: 1734562799999999 },
        {
          alert_type: 'cpu',
          runbook: 'rb',
          labels: { host: 'a' },
          timestamp: '2026-11-22T08:35:53.208031Z',
          severity: 'medium',
          environment: 'staging',
        },
        { alert_type: 'disk', runbook: 'rb', fingerprint: `disk-${RUN}` },
      ];
      const answer = await api<{ ids: string[] }>('POST', '/api/v1/alerts', writer, alerts);
      expect(answer.status).toBe(202);
      expect(answer.body.ids).toHaveLength(3);
      expect(answer.body.ids[0]).toBe(alertIdOf(t.id, `disk-${RUN}`));
      expect(answer.body.ids[2]).toBe(answer.body.ids[0]);
      const cpu = await stored(answer.body.ids[1]!);
      expect(cpu).toMatchObject({ severity: 'warning', environment: 'staging', timestamp: '1795336553208031' });
      await stored(answer.body.ids[0]!, (a) => a.occurrences >= 2);
    });

    it('keeps an unknown severity in data and stores warning', async () => {
      const answer = await api<{ ids: string[] }>('POST', '/api/v1/alerts', writer, {
        alert_type: 'odd',
        runbook: 'rb',
        severity: 'sev-1',
        data: { x: 1 },
      });
      expect(answer.status).toBe(202);
      expect(await stored(answer.body.ids[0]!)).toMatchObject({
        severity: 'warning',
        data: { x: 1, severity_original: 'sev-1' },
      });
    });

    it('is open to operators and up, not to viewers', async () => {
      const body = { alert_type: 'by-user', runbook: 'rb' };
      expect((await api('POST', '/api/v1/alerts', t.users.operator.auth, body)).status).toBe(202);
      expectJsonError(await api('POST', '/api/v1/alerts', t.users.viewer.auth, body), 403, /needs the role/);
      expectJsonError(await api('POST', '/api/v1/alerts', reader, body), 403, /lacks the scope alerts:write/);
      expectJsonError(await api('POST', '/api/v1/alerts', undefined, body), 401, /authentication required/);
    });

    it('refuses a missing field with 422 naming it (and its index), and keeps the payload', async () => {
      const batch = [0, 1, 2].map((i) => ({ alert_type: `ok-${i}`, runbook: 'rb' }));
      const answer = await api('POST', '/api/v1/alerts', writer, [...batch, { alert_type: 'no-runbook' }]);
      expectJsonError(answer, 422, /\[3\]\.runbook: is required.*kept for inspection/);
      expect(answer.body.errors).toEqual(['[3].runbook: is required']);
      const kept = await rejected(answer.body.rejectedId as string);
      expect(kept).toMatchObject({
        source: 'api',
        reason: '[3].runbook: is required',
        contentType: 'application/json',
      });
      expect(JSON.parse(kept.body)).toEqual([...batch, { alert_type: 'no-runbook' }]);
      expectJsonError(
        await api('POST', '/api/v1/alerts', writer, { runbook: 'rb' }),
        422,
        /^invalid alerts: alert_type: is required/,
      );
      expectJsonError(
        await api('POST', '/api/v1/alerts', writer, {
          alert_type: 'a',
          runbook: 'rb',
          labels: { a: 1 },
          timestamp: 'soon',
        }),
        422,
        /timestamp: must be.*labels\.a: must be a string/,
      );
    });

    it('answers 400 to a body that is not JSON, and keeps it', async () => {
      const answer = await api('POST', '/api/v1/alerts', writer, '{"alert_type": "x", runbook', {
        'content-type': 'application/json',
      });
      expectJsonError(answer, 400, /^request body is not valid JSON.*kept for inspection/);
      expect(await rejected(answer.body.rejectedId as string)).toMatchObject({
        body: '{"alert_type": "x", runbook',
        reason: expect.stringMatching(/not valid JSON/),
      });
    });

    it(`answers 413 over the body limit and over ALERTS_MAX_BATCH (${MAX_BATCH}), naming the limit`, async () => {
      expectJsonError(
        await api('POST', '/api/v1/alerts', writer, {
          alert_type: 'a',
          runbook: 'rb',
          data: { x: 'z'.repeat(1_100_000) },
        }),
        413,
        /larger than 1048576 bytes \(INGEST_MAX_BODY_BYTES\)/,
      );
      const many = Array.from({ length: MAX_BATCH + 1 }, (_, i) => ({
        alert_type: 'a',
        runbook: 'rb',
        fingerprint: `many-${i}`,
      }));
      expectJsonError(
        await api('POST', '/api/v1/alerts', writer, many),
        413,
        new RegExp(`at most ${MAX_BATCH} \\(ALERTS_MAX_BATCH\\)`),
      );
    });
  });

  describe('Alertmanager', () => {
    it('takes real notifications: per-alert status, fingerprints, runbook, labels and context', async () => {
      const firing = fixture('alertmanager/firing-two-pods.json');
      const answer = await replay(system.url, '/api/v1/webhooks/alertmanager', firing, t.keys['alerts:write']!.key);
      expect(answer.status).toBe(202);
      const [apiId, workerId] = [alertIdOf(t.id, '982324d902b6151c'), alertIdOf(t.id, '549cb7cd52441f07')];
      expect(answer.body).toEqual({ ids: [apiId, workerId] });
      const api1 = await stored(apiId);
      expect(api1).toMatchObject({
        source: 'alertmanager',
        alertType: 'KubePodCrashLooping',
        severity: 'critical',
        status: 'triggered',
        fingerprint: '982324d902b6151c',
        runbook: 'https://runbooks.example.com/KubePodCrashLooping',
        summary: 'Pod payments/api-7d9f8-x2k1 is crash looping',
        generatorUrl: 'http://prometheus:9090/graph?g0.expr=x',
        labels: { pod: 'api-7d9f8-x2k1', namespace: 'payments' },
      });
      expect(api1.data).toMatchObject({
        fingerprint: '982324d902b6151c',
        group: {
          receiver: 'vigil',
          externalURL: 'http://vm:19093',
          groupKey: firing.body.groupKey,
          commonLabels: firing.body.commonLabels,
        },
      });
      expect(await stored(workerId)).toMatchObject({ runbook: '' });

      // The group still says firing; the first alert's own status says resolved, and that wins.
      const resolved = fixture('alertmanager/resolved-one-pod.json');
      expect(resolved.body.status).toBe('firing');
      expect(
        (await replay(system.url, '/api/v1/webhooks/alertmanager', resolved, t.keys['alerts:write']!.key)).status,
      ).toBe(202);
      await stored(apiId, (a) => a.status === 'resolved');
      expect((await stored(workerId)).status).toBe('triggered');
    });

    it('accepts the key as HTTP Basic password, as Alertmanager can send it', async () => {
      const firing = fixture('alertmanager/firing-two-pods.json');
      const res = await fetch(`${system.url}/api/v1/webhooks/alertmanager`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...authHeaders({ basic: { user: 'alertmanager', password: t.keys['alerts:write']!.key } }),
        },
        body: JSON.stringify(firing.body),
      });
      expect(res.status).toBe(202);
    });

    it('takes the alert type from ?type_label=', async () => {
      const body = {
        ...fixture('alertmanager/firing-two-pods.json').body,
        alerts: [{ status: 'firing', labels: { alertname: 'X', check: `typed-${RUN}` }, fingerprint: `typed-${RUN}` }],
      };
      const answer = await api<{ ids: string[] }>(
        'POST',
        '/api/v1/webhooks/alertmanager?type_label=check',
        writer,
        body,
      );
      expect(answer.status).toBe(202);
      expect((await stored(answer.body.ids[0]!)).alertType).toBe(`typed-${RUN}`);
      expectJsonError(
        await api('POST', '/api/v1/webhooks/alertmanager?typelabel=check', writer, body),
        422,
        /typelabel: unknown query parameter/,
      );
    });

    it('refuses a body without alerts with 422, keeping it raw', async () => {
      const answer = await api('POST', '/api/v1/webhooks/alertmanager', writer, {
        receiver: 'vigil',
        status: 'firing',
      });
      expectJsonError(answer, 422, /alerts: is missing: not an Alertmanager v4 webhook payload.*kept for inspection/);
      expect(await rejected(answer.body.rejectedId as string)).toMatchObject({
        source: 'alertmanager',
        body: '{"receiver":"vigil","status":"firing"}',
      });
    });

    it('is for API keys with alerts:write only', async () => {
      const body = fixture('alertmanager/firing-two-pods.json').body;
      expectJsonError(
        await api('POST', '/api/v1/webhooks/alertmanager', reader, body),
        403,
        /lacks the scope alerts:write/,
      );
      expectJsonError(
        await api('POST', '/api/v1/webhooks/alertmanager', t.users.admin.auth, body),
        403,
        /takes an API key/,
      );
      expectJsonError(await api('POST', '/api/v1/webhooks/alertmanager', { bearer: 'vgk_nope_nope' }, body), 401, /./);
    });
  });

  describe('Grafana', () => {
    it('takes a unified alerting notification', async () => {
      const captured = fixture('grafana/firing-and-resolved.json');
      const answer = await replay(system.url, '/api/v1/webhooks/grafana', captured, t.keys['alerts:write']!.key);
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ ids: [alertIdOf(t.id, 'c6eadffa33fcdf37'), alertIdOf(t.id, '5f2e0a4f8d1b7c39')] });
      const firing = await stored(alertIdOf(t.id, 'c6eadffa33fcdf37'));
      expect(firing).toMatchObject({
        source: 'grafana',
        alertType: 'HighMemoryUsage',
        severity: 'high',
        status: 'triggered',
        runbook: 'https://runbooks.example.com/HighMemoryUsage',
      });
      expect(firing.data).toMatchObject({
        values: { A: 93.41 },
        panelURL: expect.stringContaining('viewPanel=12'),
        group: { title: captured.body.title, state: 'alerting' },
      });
      expect(await stored(alertIdOf(t.id, '5f2e0a4f8d1b7c39'))).toMatchObject({ status: 'resolved' });
    });
  });

  describe('generic', () => {
    it('maps any JSON by the field paths in the query', async () => {
      const body = {
        check: { name: 'Backups', level: 'error', key: `backup-${RUN}` },
        host: 'db-1',
        tags: { team: 'data' },
        doc: 'https://wiki.example.com/backups',
      };
      const answer = await api<{ ids: string[] }>(
        'POST',
        '/api/v1/webhooks/generic?type=$.check.name&severity=check.level&fingerprint=check.key&labels=tags&runbook=doc',
        writer,
        body,
      );
      expect(answer.status).toBe(202);
      expect(answer.body.ids).toEqual([alertIdOf(t.id, `backup-${RUN}`)]);
      expect(await stored(answer.body.ids[0]!)).toMatchObject({
        source: 'generic',
        alertType: 'Backups',
        severity: 'high',
        labels: { team: 'data' },
        runbook: 'https://wiki.example.com/backups',
        data: body,
      });
    });

    it('refuses a payload whose type path resolves to nothing with 422, keeping it', async () => {
      const answer = await api('POST', '/api/v1/webhooks/generic?type=labels.alertname', writer, {
        labels: { other: 'x' },
      });
      expectJsonError(answer, 422, /type: the path "labels.alertname" resolves to nothing/);
      expect(await rejected(answer.body.rejectedId as string)).toMatchObject({ source: 'generic' });
    });
  });

  describe('when the broker cannot take the request', () => {
    // What the broker client does with a message it could not send in time (the real outage is
    // apps/gateway/test/broker-outage.int-spec.ts): withdraws it at INGEST_PUBLISH_TIMEOUT_MS.
    it(`answers 503 with Retry-After when the message was withdrawn unsent, and 202 again once it can`, async () => {
      const gateway = system.services.find((s) => s.service === 'gateway')!;
      const bus = gateway.app.get(VigilBusClient);
      const original = bus.publish.bind(bus) as (key: string, init: never, options?: never) => Promise<unknown>;
      const spy = jest
        .spyOn(bus, 'publish')
        .mockImplementation(((key: string, init: never, options?: { withdrawAfterMs?: number }) =>
          key === RoutingKeys.IngestAlertsReceived
            ? new Promise((_resolve, reject) =>
                setTimeout(
                  () => reject(new PublishWithdrawnError(key, options!.withdrawAfterMs!)),
                  options!.withdrawAfterMs,
                ),
              )
            : original(key, init, options as never)) as typeof bus.publish);
      try {
        const started = Date.now();
        const answer = await api(
          'POST',
          '/api/v1/webhooks/alertmanager',
          writer,
          fixture('alertmanager/firing-two-pods.json').body,
        );
        expectJsonError(answer, 503, /could not take them within 400 ms.*nothing was stored: retry shortly/);
        expect(answer.headers.get('retry-after')).toBe('5');
        expect(Date.now() - started).toBeLessThan(PUBLISH_TIMEOUT_MS + 1_000);
      } finally {
        spy.mockRestore();
      }
      expect(
        (await api('POST', '/api/v1/webhooks/alertmanager', writer, fixture('alertmanager/firing-two-pods.json').body))
          .status,
      ).toBe(202);
    });
  });
});
