// Throws malformed requests at every receiver, each broken in one known way with the exact status
// the gateway defines for it (docs/access.md, "Ingest"): wrong content type or encoding 415, a body
// that is empty, not UTF-8 or not JSON 400, JSON nested deeper than the limit 422, a body above
// INGEST_MAX_BODY_BYTES (as sent, or once decompressed) 413, more alerts than ALERTS_MAX_BATCH 413,
// JSON the receiver cannot map 422. Every refusal is JSON naming the problem, nothing is stored as an
// alert, every kept refusal is listed among the rejected payloads, and the gateway keeps serving.
// Reproducible: the seed is fixed (FUZZ_SEED replays another one) and printed in the test name.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { AlertView, Page, RejectedPayloadView } from '@vigil/contracts';
import { call, createTestTenant, login, TEST_MODE, TestHarness, waitFor } from '@vigil/testing';

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, not "${raw}"`);
  return value;
}

const SEED = integerFromEnv('FUZZ_SEED', 20_261_122);
const PER_RECEIVER = integerFromEnv('FUZZ_PER_RECEIVER', 1000);
const CONCURRENCY = 8;
/** The gateway's defaults (INGEST_MAX_BODY_BYTES, ALERTS_MAX_BATCH) and its nesting limit. */
const MAX_BODY_BYTES = 1_048_576;
const MAX_BATCH = 1000;
const MAX_NESTING_DEPTH = 256;
/** The alert service stores every kept refusal as a rejected payload: its backlog drains after the burst. */
const STORE_TIMEOUT_MS = 60_000;

type Receiver = 'api' | 'alertmanager' | 'grafana' | 'generic';
const RECEIVERS: Record<Receiver, string> = {
  api: '/api/v1/alerts',
  alertmanager: '/api/v1/webhooks/alertmanager',
  grafana: '/api/v1/webhooks/grafana',
  generic: '/api/v1/webhooks/generic?type=labels.alertname&severity=$.level',
};

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
  /** How the request is broken. */
  kind: string;
  body: Uint8Array;
  headers: Record<string, string>;
  /** The one status the gateway must answer. */
  status: 400 | 413 | 415 | 422;
  /** What the refusal's message must say. */
  message: RegExp;
  /** Kept as a rejected payload (its id in the answer). */
  kept: boolean;
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/vnd.alerts+json'];
const REFUSED_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=latin1',
  'garbage/!!',
  '',
];
/** Bytes that never occur in UTF-8. */
const NEVER_UTF8 = [0xc0, 0xc1, 0xf5, 0xf8, 0xfe, 0xff];

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const word = () => `w${int(100_000).toString(36)}`;
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const jsonType = () => ({ 'content-type': pick(JSON_TYPES) });

  /** A well-formed payload for the receiver: what the malformed ones are made from. */
  const valid = (receiver: Receiver, alerts = 1 + int(3)): unknown => {
    const one = (i: number) =>
      receiver === 'api'
        ? { alert_type: `fuzz-${word()}`, runbook: 'https://wiki.example.com/rb', labels: { n: String(i) } }
        : receiver === 'generic'
          ? { labels: { alertname: `fuzz-${word()}` }, level: pick(['critical', 'warning']) }
          : { status: 'firing', labels: { alertname: `fuzz-${word()}`, n: String(i) }, annotations: {} };
    const list = Array.from({ length: alerts }, (_, i) => one(i));
    if (receiver === 'api' || receiver === 'generic') return alerts === 1 && random() < 0.5 ? list[0] : list;
    return { version: '4', status: 'firing', receiver: 'vigil', alerts: list };
  };

  /** A value nested `levels` deep (arrays and objects mixed). */
  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = random() < 0.5 ? [value] : { k: value };
    return value;
  };

  /** JSON the receiver cannot map: one defect in an otherwise well-formed payload. */
  const unmappable = (receiver: Receiver): { kind: string; value: unknown } => {
    if (receiver === 'api') {
      const alert: Record<string, unknown> = { alert_type: `fuzz-${word()}`, runbook: 'rb', labels: { a: 'b' } };
      const defects: [string, () => void][] = [
        ['alert_type missing', () => delete alert.alert_type],
        ['runbook missing', () => delete alert.runbook],
        ['alert_type empty', () => (alert.alert_type = '')],
        ['alert_type not a string', () => (alert.alert_type = pick([1, true, null, ['x'], { a: 1 }]))],
        ['runbook not a string', () => (alert.runbook = pick([2, false, ['rb'], { url: 'x' }]))],
        ['unknown top-level field', () => (alert[`extra_${word()}`] = 1)],
        ['label value not a string', () => (alert.labels = { a: pick([1, null, ['x'], { b: 'c' }]) })],
        ['data not an object', () => (alert.data = pick(['text', 3, ['a']]))],
        ['status neither firing nor resolved', () => (alert.status = pick(['maybe', 'FIRED', '']))],
        ['U+0000 in alert_type', () => (alert.alert_type = 'disk\u0000full')],
        ['lone surrogate in summary', () => (alert.summary = 'broken \ud800 text')],
      ];
      const [kind, apply] = pick(defects);
      apply();
      if (random() < 0.5) return { kind, value: alert };
      const list = valid('api', 1 + int(3)) as unknown;
      const alerts = Array.isArray(list) ? list : [list];
      alerts.splice(int(alerts.length + 1), 0, alert);
      return { kind: `${kind} (one alert of an array)`, value: alerts };
    }
    if (receiver === 'generic') {
      const defects: [string, () => unknown][] = [
        ['no alertname label', () => ({ labels: { other: 'x' }, level: 'critical' })],
        ['no labels at all', () => ({ level: 'critical', [`f${int(100)}`]: word() })],
        ['alertname neither text nor number', () => ({ labels: { alertname: pick([null, ['a'], { b: 1 }]) } })],
        ['U+0000 in alertname', () => ({ labels: { alertname: 'a\u0000b' } })],
        ['one entry of an array without alertname', () => [valid('generic', 1), { labels: {} }]],
        ['a JSON scalar', () => pick([1, 'text', true, null])],
      ];
      const [kind, make] = pick(defects);
      return { kind, value: make() };
    }
    const envelope = valid(receiver, 1 + int(3)) as { alerts: Record<string, unknown>[] };
    const defects: [string, () => unknown][] = [
      ['alerts missing', () => ({ ...envelope, alerts: undefined })],
      ['alerts not an array', () => ({ ...envelope, alerts: pick([{ a: 1 }, 'alerts', 3, null]) })],
      [
        'an alert without alertname',
        () => ({ ...envelope, alerts: [...envelope.alerts, { status: 'firing', labels: { other: 'x' } }] }),
      ],
      ['an alert that is not an object', () => ({ ...envelope, alerts: [...envelope.alerts, pick([1, 'a', null])] })],
      [
        'U+0000 in alertname',
        () => ({ ...envelope, alerts: [{ status: 'firing', labels: { alertname: 'a\u0000' } }] }),
      ],
      ['a JSON scalar or array', () => pick([1, 'text', true, null, [1, 2]])],
    ];
    const [kind, make] = pick(defects);
    return { kind, value: make() };
  };

  return (receiver: Receiver): Probe => {
    const r = random();
    if (r < 0.12) {
      const contentType = pick(REFUSED_TYPES);
      return {
        kind: `content-type "${contentType}"`,
        body: encode(valid(receiver)),
        headers: contentType ? { 'content-type': contentType } : {},
        status: 415,
        message: contentType ? /^content-type .* is not accepted/ : /^content-type is missing/,
        kept: false,
      };
    }
    if (r < 0.16)
      return {
        kind: 'unsupported content-encoding',
        body: encode(valid(receiver)),
        headers: { ...jsonType(), 'content-encoding': pick(['compress', 'zstd-ish', 'rot13']) },
        status: 415,
        message: /^content-encoding .* is not supported/,
        kept: false,
      };
    if (r < 0.2)
      return {
        kind: 'empty body',
        body: new Uint8Array(0),
        headers: jsonType(),
        status: 400,
        message: /^request body is empty/,
        kept: true,
      };
    if (r < 0.28) {
      const bytes = Buffer.from(JSON.stringify(valid(receiver)));
      for (let i = 0, n = 1 + int(4); i < n; i++) bytes[int(bytes.length)] = pick(NEVER_UTF8);
      return {
        kind: 'not UTF-8',
        body: bytes,
        headers: jsonType(),
        status: 400,
        message: /^request body is not valid UTF-8/,
        kept: true,
      };
    }
    if (r < 0.4) {
      // Any strict prefix of a JSON object or array is not JSON.
      const whole = JSON.stringify(valid(receiver));
      const garbage = [
        'alertname=x&runbook=y',
        '<alerts/>',
        'NaN',
        '{"a":undefined}',
        "{'a':1}",
        '[1,]',
        '{"a":1}}',
        ' ',
      ];
      const text = random() < 0.7 ? whole.slice(0, 1 + int(whole.length - 1)) : pick(garbage);
      return {
        kind: 'not JSON',
        body: new TextEncoder().encode(text),
        headers: jsonType(),
        status: 400,
        message: /^request body is not valid JSON/,
        kept: true,
      };
    }
    if (r < 0.5) {
      const deep = nested(MAX_NESTING_DEPTH + 1 + int(4000));
      const base = valid(receiver, 1);
      const value =
        random() < 0.3
          ? deep
          : receiver === 'api'
            ? { ...(Array.isArray(base) ? base[0] : base), data: { deep } }
            : { ...(base as object), extra: deep };
      return {
        kind: `nested more than ${MAX_NESTING_DEPTH} levels`,
        body: encode(value),
        headers: jsonType(),
        status: 422,
        message: new RegExp(`nests arrays and objects more than ${MAX_NESTING_DEPTH} levels deep`),
        kept: true,
      };
    }
    if (r < 0.54) {
      // Valid JSON, one byte to a few KiB over the limit.
      const base = valid(receiver, 1);
      const padded = (pad: string) =>
        receiver === 'api'
          ? { ...(Array.isArray(base) ? base[0] : base), data: { pad } }
          : { ...(base as object), pad };
      const size = MAX_BODY_BYTES + 1 + int(4096);
      const body = encode(padded('x'.repeat(size - encode(padded('')).length)));
      if (body.length !== size) throw new Error(`padding made ${body.length} bytes, not ${size}`);
      return {
        kind: 'body over the size limit',
        body,
        headers: jsonType(),
        status: 413,
        message: /^request body is larger than 1048576 bytes/,
        kept: false,
      };
    }
    if (r < 0.57) {
      const base = valid(receiver, 1);
      const pad = 'z'.repeat(MAX_BODY_BYTES + int(100_000));
      const value =
        receiver === 'api'
          ? { ...(Array.isArray(base) ? base[0] : base), data: { pad } }
          : { ...(base as object), pad };
      return {
        kind: 'gzip body over the size limit once decompressed',
        body: gzipSync(JSON.stringify(value)),
        headers: { ...jsonType(), 'content-encoding': 'gzip' },
        status: 413,
        message: /^request body is larger than 1048576 bytes/,
        kept: false,
      };
    }
    if (r < 0.6) {
      const alerts = MAX_BATCH + 1 + int(50);
      return {
        kind: `${alerts} alerts (more than ${MAX_BATCH})`,
        body: encode(valid(receiver, alerts)),
        headers: jsonType(),
        status: 413,
        message: /^too many alerts/,
        kept: true,
      };
    }
    const { kind, value } = unmappable(receiver);
    return {
      kind,
      body: encode(value),
      headers: jsonType(),
      status: 422,
      message: /^(invalid alerts|body): /,
      kept: true,
    };
  };
}

describe(`ingest fuzzing (${TEST_MODE})`, () => {
  let system: TestHarness;
  let key: string;
  let readKey: string;
  let adminKey: string;

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
      { roles: ['admin'], scopes: ['alerts:write', 'alerts:read', 'admin'] },
    );
    key = tenant.keys['alerts:write']!.key;
    readKey = tenant.keys['alerts:read']!.key;
    adminKey = tenant.keys['admin']!.key;
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  async function all<T>(path: string, apiKey: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page: Page<T> = (
        await call<Page<T>>(
          system.url,
          'GET',
          `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { auth: { apiKey } },
        )
      ).body;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  it(`answers each malformed request with its exact status and keeps serving (FUZZ_SEED=${SEED}, ${PER_RECEIVER} requests per receiver)`, async () => {
    // Generated in order as the workers take them (synchronously), so the sequence depends on the seed only.
    const next = generator(rng(SEED));
    const receivers = Object.keys(RECEIVERS) as Receiver[];
    const total = receivers.length * PER_RECEIVER;
    const failures: string[] = [];
    const kept = new Set<string>();
    const statuses: Record<string, number> = {};
    let cursor = 0;
    const worker = async () => {
      while (cursor < total) {
        const n = cursor++;
        const receiver = receivers[n % receivers.length]!;
        const probe = next(receiver);
        const res = await fetch(`${system.url}${RECEIVERS[receiver]}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, ...probe.headers },
          body: probe.body,
        });
        const text = await res.text();
        const tally = `${probe.status} ${probe.kind.replace(/\d{4,}/g, 'N')}`;
        statuses[tally] = (statuses[tally] ?? 0) + 1;
        const describe = () => `#${n} ${probe.kind} → ${receiver}: ${res.status} ${text.slice(0, 200)}`;
        if (res.status !== probe.status) {
          failures.push(`expected ${probe.status}: ${describe()}`);
          continue;
        }
        let body: { message?: unknown; rejectedId?: unknown };
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          failures.push(`not JSON: ${describe()}`);
          continue;
        }
        if (!res.headers.get('content-type')?.startsWith('application/json'))
          failures.push(`content-type ${res.headers.get('content-type')}: ${describe()}`);
        if (typeof body.message !== 'string' || !probe.message.test(body.message))
          failures.push(`message not ${probe.message}: ${describe()}`);
        if (probe.kept) {
          if (typeof body.rejectedId === 'string') kept.add(body.rejectedId);
          else failures.push(`kept, but no rejectedId: ${describe()}`);
        } else if (body.rejectedId !== undefined) failures.push(`not to be kept, but kept: ${describe()}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stderr.write(`fuzz ${TEST_MODE} FUZZ_SEED=${SEED}: ${JSON.stringify(statuses)}\n`);
    expect(failures.slice(0, 20)).toEqual([]);
    // Every kind of breakage happened on this seed.
    for (const status of ['400', '413', '415', '422'])
      expect(Object.keys(statuses).some((tally) => tally.startsWith(status))).toBe(true);
    expect(Object.keys(statuses).some((tally) => tally.includes(`nested more than ${MAX_NESTING_DEPTH}`))).toBe(true);
    expect(Object.keys(statuses).some((tally) => tally.includes('over the size limit'))).toBe(true);

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
    const { ids } = (await res.json()) as { ids: string[] };
    expect((await fetch(`${system.url}/health/ready`)).status).toBe(200);

    // Every kept refusal is listed once among the rejected payloads; no malformed request made an alert.
    const listed = await waitFor(
      async () => {
        const rejected = await all<RejectedPayloadView>('/api/v1/alerts/rejected', adminKey);
        return rejected.length >= kept.size ? rejected : undefined;
      },
      { what: `${kept.size} rejected payloads listed`, timeoutMs: STORE_TIMEOUT_MS },
    );
    expect(listed.length).toBe(kept.size);
    expect(new Set(listed.map((r) => r.id))).toEqual(kept);
    const alerts = await waitFor(
      async () => {
        const stored = await all<AlertView>('/api/v1/alerts', readKey);
        return stored.length >= ids.length ? stored : undefined;
      },
      { what: 'the notification stored' },
    );
    expect(alerts.map((a) => a.id).sort()).toEqual([...ids].sort());
  }, 300_000);
});
