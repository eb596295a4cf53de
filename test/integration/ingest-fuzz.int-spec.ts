// Throws a few thousand malformed requests at every receiver: random JSON shapes, wrong types, huge
// strings, deep nesting, invalid UTF-8, wrong content types, truncated JSON. None may get a 5xx or
// take the gateway down, and every refusal must be JSON saying why. Deterministic per seed
// (FUZZ_SEED to replay one; the seed is in the test name).
import { readFileSync } from 'node:fs';
import type { AlertView, Page } from '@vigil/contracts';
import { call, createTestTenant, login, TEST_MODE, TestHarness, waitFor } from '@vigil/testing';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const PER_RECEIVER = Number(process.env.FUZZ_PER_RECEIVER ?? 1500);
const CONCURRENCY = 8;
/** The alert service stores every refused request as a rejected payload: its backlog drains after the burst. */
const STORE_TIMEOUT_MS = 60_000;
const RECEIVERS = [
  '/api/v1/alerts',
  '/api/v1/webhooks/alertmanager',
  '/api/v1/webhooks/grafana?type_label=constructor',
  '/api/v1/webhooks/generic?type=labels.alertname&severity=$.level',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'application/json; charset=latin1',
  'garbage/!!',
];

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Probe {
  body: Uint8Array;
  contentType: string;
  kind: string;
}

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const strings = [
    '',
    'a',
    'critical',
    'MEDIUM',
    'resolved',
    'firing',
    '0001-01-01T00:00:00Z',
    '2026-11-22T08:35:53.2Z',
    '1734562799999999',
    '-1',
    '\u0000',
    '\ud800',
    '😀',
    "'; DROP TABLE alerts; --",
    '<script>',
    'x'.repeat(300),
    '__proto__',
    'constructor',
    'labels.alertname',
    '$.a[0]',
  ];
  const scalar = (): unknown =>
    pick([null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, pick(strings), int(1e6), `s${int(1000)}`]);
  const value = (depth: number): unknown => {
    const r = random();
    if (depth > 4 || r < 0.5) return scalar();
    if (r < 0.75) return Array.from({ length: int(5) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: int(6) }, () => [
        pick([
          ...strings,
          'alert_type',
          'runbook',
          'data',
          'labels',
          'alerts',
          'status',
          'severity',
          'timestamp',
          'fingerprint',
          'annotations',
          'startsAt',
          'level',
        ]),
        value(depth + 1),
      ]),
    );
  };
  const alertish = (): Record<string, unknown> => {
    const alert: Record<string, unknown> = {};
    for (const field of [
      'alert_type',
      'runbook',
      'data',
      'severity',
      'timestamp',
      'fingerprint',
      'labels',
      'summary',
      'description',
      'environment',
      'status',
      'annotations',
    ]) {
      if (random() < 0.6)
        alert[field] = random() < 0.5 ? value(2) : field === 'labels' ? { alertname: pick(strings) } : pick(strings);
    }
    return alert;
  };
  const webhookish = (): Record<string, unknown> => ({
    ...(random() < 0.8 ? { status: pick(['firing', 'resolved', 3, null]) } : {}),
    ...(random() < 0.9
      ? {
          alerts:
            random() < 0.8
              ? Array.from({ length: int(4) }, () => ({
                  ...alertish(),
                  labels: random() < 0.7 ? { alertname: pick(strings), severity: pick(strings) } : value(3),
                }))
              : value(2),
        }
      : {}),
    ...(random() < 0.5 ? { commonLabels: value(2), groupKey: pick(strings) } : {}),
  });
  const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
  const text = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

  return (): Probe => {
    const r = random();
    const contentType = random() < 0.75 ? 'application/json' : pick(CONTENT_TYPES);
    if (r < 0.25) return { kind: 'random JSON', contentType, body: text(value(0)) };
    if (r < 0.45)
      return {
        kind: 'alert-shaped',
        contentType,
        body: text(random() < 0.3 ? Array.from({ length: int(6) }, alertish) : alertish()),
      };
    if (r < 0.6) return { kind: 'webhook-shaped', contentType, body: text(webhookish()) };
    if (r < 0.68) {
      const whole = JSON.stringify(random() < 0.5 ? webhookish() : alertish());
      return { kind: 'truncated JSON', contentType, body: new TextEncoder().encode(whole.slice(0, int(whole.length))) };
    }
    if (r < 0.74) {
      const bytes = Buffer.from(
        JSON.stringify({ alert_type: 'x', runbook: 'y', labels: { alertname: 'z' }, alerts: [] }),
      );
      for (let i = 0; i < 1 + int(4); i++) bytes[int(bytes.length)] = pick([0xff, 0xfe, 0xc0, 0x80, 0xed]);
      return { kind: 'invalid UTF-8', contentType, body: bytes };
    }
    if (r < 0.78) return { kind: 'deep nesting', contentType, body: new TextEncoder().encode(deep(200 + int(20_000))) };
    if (r < 0.82)
      return {
        kind: 'huge string',
        contentType,
        body: text({
          alert_type: 'x'.repeat(int(3000)),
          runbook: 'r',
          summary: 'y'.repeat(int(300_000)),
          alerts: [{ labels: { alertname: 'z'.repeat(int(5000)) } }],
        }),
      };
    if (r < 0.86)
      return {
        kind: 'not JSON',
        contentType,
        body: new TextEncoder().encode(
          pick(['alertname=x&runbook=y', '<alerts/>', 'NaN', '{"a":undefined}', "{'a':1}", '\u0000\u0001', ' ']),
        ),
      };
    if (r < 0.88) return { kind: 'empty', contentType, body: new Uint8Array(0) };
    return {
      kind: 'near-valid',
      contentType,
      body: text(
        random() < 0.5
          ? {
              alert_type: pick(strings),
              runbook: pick(strings),
              severity: pick(strings),
              timestamp: pick([...strings, 1734562799999999, -5]),
              labels: { a: pick(strings) },
            }
          : {
              alerts: [
                {
                  status: pick(strings),
                  labels: { alertname: `a${int(50)}`, level: pick(strings) },
                  annotations: { runbook_url: pick(strings) },
                  fingerprint: pick(strings),
                  startsAt: pick(strings),
                },
              ],
            },
      ),
    };
  };
}

describe(`ingest fuzzing (${TEST_MODE})`, () => {
  let system: TestHarness;
  let key: string;
  let readKey: string;

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        RATE_LIMIT_LOGIN_PER_IP_PER_MIN: '100000',
        RATE_LIMIT_PER_KEY_PER_MIN: '1000000',
        RATE_LIMIT_PER_TENANT_PER_MIN: '1000000',
      },
    });
    const platform = await login(system.url, system.admin.email, system.admin.password);
    const tenant = await createTestTenant(
      system.url,
      { bearer: platform.access_token },
      `fuzz-${SEED}-${Date.now().toString(36)}`,
      { roles: ['admin'], scopes: ['alerts:write', 'alerts:read'] },
    );
    key = tenant.keys['alerts:write']!.key;
    readKey = tenant.keys['alerts:read']!.key;
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  it(`never answers 5xx, always explains a refusal, and keeps serving (seed ${SEED}, ${PER_RECEIVER} requests per receiver)`, async () => {
    const next = generator(rng(SEED));
    const jobs = RECEIVERS.flatMap((path) => Array.from({ length: PER_RECEIVER }, () => ({ path, probe: next() })));
    const failures: string[] = [];
    const accepted = new Set<string>();
    const origin = new Map<string, string>();
    const statuses: Record<number, number> = {};
    let cursor = 0;
    const worker = async () => {
      while (cursor < jobs.length) {
        const { path, probe } = jobs[cursor++]!;
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        if (probe.contentType) headers['content-type'] = probe.contentType;
        const res = await fetch(`${system.url}${path}`, { method: 'POST', headers, body: probe.body });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const describe = () => `${probe.kind} → ${path}: ${res.status} ${text.slice(0, 200)}`;
        if (res.status >= 500) {
          failures.push(describe());
          continue;
        }
        let body: { message?: unknown; ids?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          failures.push(`not JSON: ${describe()}`);
          continue;
        }
        if (!res.headers.get('content-type')?.startsWith('application/json'))
          failures.push(`content-type ${res.headers.get('content-type')}: ${describe()}`);
        if (res.status === 202) {
          if (!Array.isArray(body.ids) || body.ids.length === 0) failures.push(`202 without ids: ${describe()}`);
          else
            for (const id of body.ids as string[]) {
              accepted.add(id);
              origin.set(id, `${path} ${Buffer.from(probe.body).toString('utf8').slice(0, 300)}`);
            }
        } else if (
          ![400, 413, 415, 422].includes(res.status) ||
          typeof body.message !== 'string' ||
          body.message.length < 10
        ) {
          failures.push(`unexplained: ${describe()}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures.slice(0, 20)).toEqual([]);
    // Every status that happened, for the record; nothing but these may appear.
    expect(
      Object.keys(statuses)
        .map(Number)
        .every((s) => [202, 400, 413, 415, 422].includes(s)),
    ).toBe(true);
    expect(statuses[202]).toBeGreaterThan(0);
    expect(statuses[422]).toBeGreaterThan(0);

    // Still serving: a real Alertmanager notification goes through.
    const firing = JSON.parse(
      readFileSync(new URL('../fixtures/alertmanager/firing-two-pods.json', import.meta.url), 'utf8'),
    ) as { body: unknown };
    const res = await fetch(`${system.url}/api/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(firing.body),
    });
    expect(res.status).toBe(202);
    expect((await fetch(`${system.url}/health/ready`)).status).toBe(200);

    // Accepted means stored: nothing answered 202 was dead-lettered by the alert service.
    let lastMissing: string[] = [];
    const drained = Date.now();
    const missing = await waitFor(
      async () => {
        const seen = new Set<string>();
        let cursor: string | null = null;
        do {
          const page: Page<AlertView> = (
            await call<Page<AlertView>>(
              system.url,
              'GET',
              `/api/v1/alerts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              { auth: { apiKey: readKey } },
            )
          ).body;
          for (const alert of page.items) seen.add(alert.id);
          cursor = page.nextCursor;
        } while (cursor);
        lastMissing = [...accepted].filter((id) => !seen.has(id));
        return lastMissing.length === 0 ? lastMissing : undefined;
      },
      { what: 'every accepted alert stored', timeoutMs: STORE_TIMEOUT_MS },
    ).catch(() => {
      // Say why: the alert service's dead-letter reasons (a 202 the contract then refused, say).
      const deadLettered = system.logs
        .filter((line) => line.service === 'alert' && ['warn', 'error', 'fatal'].includes(String(line.level)))
        .map((line) => `${String(line.msg)}: ${String(line.reason ?? line.err ?? '')}`.slice(0, 300));
      return [
        `${lastMissing.length} of ${accepted.size} accepted alerts not stored, e.g. ${lastMissing
          .slice(0, 3)
          .map((id) => `${id} from ${origin.get(id)}`)
          .join(' ||| ')}`,
        ...deadLettered.slice(0, 5),
      ];
    });
    expect(missing).toEqual([]);
    process.stderr.write(
      `fuzz ${TEST_MODE}: ${JSON.stringify(statuses)}; every accepted alert stored ${Date.now() - drained} ms after the burst\n`,
    );
  }, 180_000);
});
