// Ingest benchmark (`npm run bench:ingest`): the whole system, through the gateway's HTTP API.
//   Distributed: the six services as six processes, each its real entry point (dist/apps/<app>/src/main.js)
//   with the default settings, over RabbitMQ (a messaging namespace of its own) and PostgreSQL (database `vigil_bench_ingest`,
//   recreated). 10 tenants and their alerts:write keys are created through the API as the bootstrap
//   admin. Alertmanager-format requests of 10 alerts each, 30 % repeats of earlier fingerprints.
//   Prints: sustained alerts/s persisted (first request → every alert counted in the alert store),
//   the latency p50/p99 of every answer (202 or not) at a fixed 1,000 alerts/s (100 req/s, open loop), and
//   GET /api/v1/alerts p95 with 1,000,000 alerts stored (seeded with one INSERT … SELECT
//   generate_series, as bench/alert-store.bench.ts does).
//   Standalone: the same throughput figure against the one-process standalone build.
// Env: AMQP_URL, DATABASE_URL (server; the bench uses its own database on it), BENCH_ALERTS (100000),
// BENCH_STANDALONE_ALERTS (30000), BENCH_LIST_ROWS (1000000; 0 skips), BENCH_CONCURRENCY (64),
// BENCH_LATENCY_SECONDS (20), BENCH_SKIP_STANDALONE=1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { ALL_SERVICES } from '../apps/standalone/src/services.js';
import { seedAlerts } from './support/seed-alerts.js';
import {
  AMQP_URL,
  Api,
  createTenants,
  killedOnExit,
  percentile,
  recreateDatabase,
  removeNamespace,
  root,
  round,
  SERVICE_ENV,
  stop,
  waitReady,
  waitUntil,
  type BenchTenant,
} from './support/system.js';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 100_000);
const STANDALONE_ALERTS = Number(process.env.BENCH_STANDALONE_ALERTS ?? 30_000);
const LIST_ROWS = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const PER_REQUEST = 10;
const TENANTS = 10;
const REPEAT_SHARE = 0.3;
const GATEWAY_PORT = 3290;

/**
 * Alertmanager v4 notifications of 10 alerts for one tenant; 30 % of alerts repeat one of its
 * earlier fingerprints (never twice in one request). A repeat carries the labels it first came with,
 * as Alertmanager's do: its fingerprint is the hash of its label set.
 */
function notifications(
  tenants: readonly BenchTenant[],
  alerts: number,
): { requests: { tenant: BenchTenant; body: string }[]; distinct: number } {
  const seen = tenants.map(() => [] as string[]);
  const labelsOf = new Map<string, Record<string, string>>();
  const out: { tenant: BenchTenant; body: string }[] = [];
  for (let sent = 0, n = 0; sent < alerts; n++) {
    const t = n % tenants.length;
    const used = new Set<string>();
    const entries = [];
    for (let i = 0; i < PER_REQUEST && sent < alerts; i++, sent++) {
      const earlier = seen[t]!;
      let fingerprint =
        earlier.length > 20 && Math.random() < REPEAT_SHARE
          ? earlier[Math.floor(Math.random() * earlier.length)]!
          : undefined;
      if (!fingerprint || used.has(fingerprint)) {
        fingerprint = randomBytes(8).toString('hex');
        earlier.push(fingerprint);
      }
      used.add(fingerprint);
      const pod = `pod-${fingerprint.slice(0, 6)}`;
      let labels = labelsOf.get(fingerprint);
      if (!labels) {
        labels = {
          alertname: `Bench${sent % 20}`,
          namespace: `ns-${sent % 7}`,
          pod,
          severity: ['critical', 'warning', 'info'][sent % 3]!,
        };
        labelsOf.set(fingerprint, labels);
      }
      entries.push({
        status: 'firing',
        labels,
        annotations: {
          summary: `Pod ${pod} is crash looping`,
          runbook_url: 'https://runbooks.example.com/KubePodCrashLooping',
          description: 'Pod has restarted 7 times in 10 minutes',
        },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
        fingerprint,
      });
    }
    out.push({
      tenant: tenants[t]!,
      body: JSON.stringify({
        receiver: 'vigil',
        status: 'firing',
        alerts: entries,
        groupLabels: { alertname: 'Bench' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager:9093',
        version: '4',
        groupKey: `{}:{alertname="Bench${n}"}`,
        truncatedAlerts: 0,
      }),
    });
  }
  return { requests: out, distinct: seen.reduce((n, fingerprints) => n + fingerprints.length, 0) };
}

const post = (api: Api, request: { tenant: BenchTenant; body: string }) =>
  api.call(
    'POST',
    '/api/v1/webhooks/alertmanager',
    { authorization: `Bearer ${request.tenant.keys['alerts:write']!}` },
    request.body,
  );

/** Sends every request with at most CONCURRENCY in flight; resolves with the 202 count. */
/** Sends every request, `CONCURRENCY` at a time; returns how many were sent again after a 503. */
async function closedLoop(api: Api, requests: readonly { tenant: BenchTenant; body: string }[]): Promise<number> {
  let next = 0;
  let retried = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      for (let attempt = 0; ; attempt++) {
        const reply = await post(api, request);
        if (reply.status === 202) break;
        if (reply.status !== 503 || attempt > 5)
          throw new Error(`ingest answered ${reply.status}: ${JSON.stringify(reply.body)}`);
        retried++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return retried;
}

/** What the alert store holds: every occurrence counted, and the distinct alerts. */
interface StoreCounts {
  occurrences(): Promise<number>;
  alerts(): Promise<number>;
}

interface Throughput {
  perSecond: number;
  seconds: number;
  acceptedPerSecond: number;
  /** Exactness: occurrences stored for the alerts sent, distinct alerts stored for those expected. */
  stored: number;
  distinct: number;
  expectedDistinct: number;
  retried: number;
}

/**
 * Sustained rate: first request sent → every alert counted (SUM(occurrences)) in the alert store.
 * Then, a second later, what was stored is compared with what was sent: duplicates and losses.
 */
async function throughput(
  api: Api,
  tenants: readonly BenchTenant[],
  alerts: number,
  store: StoreCounts,
): Promise<Throughput> {
  const [occurrencesBefore, alertsBefore] = [await store.occurrences(), await store.alerts()];
  const { requests, distinct: expectedDistinct } = notifications(tenants, alerts);
  const started = performance.now();
  const retried = await closedLoop(api, requests);
  const accepted = (performance.now() - started) / 1000;
  await waitUntil(
    'every alert persisted',
    async () => (await store.occurrences()) - occurrencesBefore >= alerts,
    300_000,
  );
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1_000)); // anything stored twice would show up by now
  return {
    perSecond: Math.round(alerts / seconds),
    seconds: round(seconds),
    acceptedPerSecond: Math.round(alerts / accepted),
    stored: (await store.occurrences()) - occurrencesBefore,
    distinct: (await store.alerts()) - alertsBefore,
    expectedDistinct,
    retried,
  };
}

function exactness(run: Throughput, sent: number): string {
  const duplicates = Math.max(0, run.stored - sent);
  const lost = Math.max(0, sent - run.stored);
  return `  exact: ${run.stored} occurrences stored of ${sent} sent (duplicates ${duplicates}, lost ${lost}); ${run.distinct} distinct alerts of ${run.expectedDistinct}; ${run.retried} requests sent again after a 503`;
}

/** Open loop at a fixed rate: a request every 1000/rate ms whatever the previous ones do. */
async function latencyAtRate(
  api: Api,
  tenants: readonly BenchTenant[],
  requestsPerSecond: number,
  seconds: number,
): Promise<{ p50: number; p99: number; max: number; errors: number }> {
  const { requests } = notifications(tenants, requestsPerSecond * seconds * PER_REQUEST);
  const times: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < requests.length; i++) {
    const due = started + (i * 1000) / requestsPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    inFlight.push(
      // Every answer is timed, a refusal or an error as much as a 202 (a fast 503 must not flatter
      // the percentiles); the non-202 answers are counted besides.
      post(api, requests[i]!).then(
        (reply) => {
          times.push(performance.now() - sent);
          if (reply.status !== 202) errors++;
        },
        () => {
          times.push(performance.now() - sent);
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  times.sort((a, b) => a - b);
  return {
    p50: round(percentile(times, 50)),
    p99: round(percentile(times, 99)),
    max: round(times.at(-1) ?? NaN),
    errors,
  };
}

// ---- list -----------------------------------------------------------------------------------------

async function listLatency(
  api: Api,
  tenants: readonly BenchTenant[],
): Promise<{ query: string; p50: number; p95: number }[]> {
  const queries = [
    '',
    '?status=triggered',
    '?severity=critical,high',
    '?alert_type=type-7',
    '?label=service=svc-3',
    '?q=pod-4242',
    '?sort=severity&order=desc',
  ];
  const out: { query: string; p50: number; p95: number }[] = [];
  for (const query of queries) {
    const times: number[] = [];
    for (let i = 0; i < 70; i++) {
      const tenant = tenants[i % tenants.length]!;
      const path = `/api/v1/alerts${query}${query ? '&' : '?'}limit=50`;
      const begin = performance.now();
      const reply = await api.call('GET', path, { authorization: `Bearer ${tenant.keys['alerts:read']!}` });
      if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
      if (i >= 10) times.push(performance.now() - begin);
    }
    times.sort((a, b) => a - b);
    out.push({ query: query || '(no filter)', p50: round(percentile(times, 50)), p95: round(percentile(times, 95)) });
  }
  return out;
}

async function distributedRun(): Promise<void> {
  const databaseUrl = await recreateDatabase('vigil_bench_ingest');
  const namespace = `vigil-bench-ingest-${randomBytes(3).toString('hex')}`;
  // The real entry points, as an operator runs them, with the default settings; only addresses,
  // the shared secrets, the first admin and the rate limits (a load test is far above them) are set.
  const children = ALL_SERVICES.map((def, i) => {
    const port = def.service === 'gateway' ? GATEWAY_PORT : GATEWAY_PORT + 1 + i;
    const env = {
      ...process.env,
      ...SERVICE_ENV,
      AMQP_URL,
      DATABASE_URL: databaseUrl,
      BUS_NAMESPACE: namespace,
      ...(def.service === 'gateway' ? { PORT: String(port) } : { HEALTH_PORT: String(port) }),
    };
    return {
      service: def.service,
      port,
      process: killedOnExit(
        spawn(process.execPath, [path.join(root, `dist/apps/${def.service}/src/main.js`)], {
          env,
          stdio: ['ignore', 'inherit', 'inherit'],
        }),
      ),
    };
  });
  const db = new pg.Client({ connectionString: databaseUrl });
  const api = new Api(`http://127.0.0.1:${GATEWAY_PORT}`, CONCURRENCY);
  try {
    // The user service first: it creates the bootstrap admin; then the others.
    await Promise.all(children.map((c) => waitReady(`http://127.0.0.1:${c.port}/health/ready`, c.process)));
    await db.connect();
    const tenants = await createTenants(api, randomBytes(3).toString('hex'), TENANTS, ['alerts:write', 'alerts:read']);
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    const persisted: StoreCounts = {
      occurrences: () => count('SELECT COALESCE(SUM(occurrences), 0) AS n FROM vigil_alert.alerts'),
      alerts: () => count('SELECT COUNT(*) AS n FROM vigil_alert.alerts'),
    };
    console.log(
      '\nIngest through the gateway (distributed: six processes, RabbitMQ + PostgreSQL; Alertmanager requests of 10 alerts, 30 % repeats, 10 tenants)',
    );
    await throughput(api, tenants, 2_000, persisted); // warm-up: JIT, pools, key caches
    const run = await throughput(api, tenants, ALERTS, persisted);
    console.log(
      `  sustained: ${run.perSecond} alerts/s persisted (${ALERTS} alerts in ${run.seconds} s; gateway accepted at ${run.acceptedPerSecond}/s; ${CONCURRENCY} requests in flight)   target ≥ 5000`,
    );
    console.log(exactness(run, ALERTS));
    const latency = await latencyAtRate(api, tenants, 100, LATENCY_SECONDS);
    console.log(
      `  latency of every answer at 100 req/s (1,000 alerts/s) for ${LATENCY_SECONDS} s: p50 ${latency.p50} ms, p99 ${latency.p99} ms, max ${latency.max} ms; answers other than 202: ${latency.errors}   target p99 < 50`,
    );
    if (LIST_ROWS > 0) {
      const started = performance.now();
      await seedAlerts(
        db,
        tenants.map((t) => t.id),
        LIST_ROWS,
      );
      const total = Number((await db.query('SELECT COUNT(*) AS n FROM vigil_alert.alerts')).rows[0].n);
      console.log(
        `  GET /api/v1/alerts?limit=50 with ${total} alerts stored (${LIST_ROWS} of them seeded by SQL, not through ingest, in ${Math.round((performance.now() - started) / 1000)} s), per filter:   target p95 < 50`,
      );
      for (const row of await listLatency(api, tenants))
        console.log(
          `    ${row.query.padEnd(26)} p50 ${String(row.p50).padStart(6)} ms   p95 ${String(row.p95).padStart(6)} ms`,
        );
    }
  } finally {
    await api.close();
    await Promise.all(children.map((c) => stop(c.process)));
    await db.end().catch(() => undefined);
    await removeNamespace(namespace);
  }
}

async function standaloneRun(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-ingest-'));
  const port = GATEWAY_PORT + 20;
  // Standalone: no JWT_KEYS or SECRETS_KEY (the key files in the data directory), no broker or database URL.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...SERVICE_ENV,
    PORT: String(port),
    VIGIL_DATA_DIR: dataDir,
    VIGIL_MODE: 'standalone',
  };
  for (const name of ['JWT_KEYS', 'SECRETS_KEY', 'AMQP_URL', 'DATABASE_URL']) delete env[name];
  const proc = killedOnExit(
    spawn(process.execPath, [path.join(root, 'dist/apps/standalone/src/main.js')], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const api = new Api(`http://127.0.0.1:${port}`, CONCURRENCY);
  try {
    await waitReady(`http://127.0.0.1:${port}/health/ready`, proc);
    const tenants = await createTenants(api, randomBytes(3).toString('hex'), TENANTS, ['alerts:write', 'alerts:read']);
    const store = new DatabaseSync(path.join(dataDir, 'alert.sqlite'), { readOnly: true });
    const sum = store.prepare('SELECT COALESCE(SUM(occurrences), 0) AS n FROM alerts');
    const alerts = store.prepare('SELECT COUNT(*) AS n FROM alerts');
    const persisted: StoreCounts = {
      occurrences: async () => Number((sum.get() as { n: number }).n),
      alerts: async () => Number((alerts.get() as { n: number }).n),
    };
    await throughput(api, tenants, 2_000, persisted);
    const run = await throughput(api, tenants, STANDALONE_ALERTS, persisted);
    console.log(
      `\nIngest through the gateway (standalone: one process, embedded broker + SQLite)\n  sustained: ${run.perSecond} alerts/s persisted (${STANDALONE_ALERTS} alerts in ${run.seconds} s; accepted at ${run.acceptedPerSecond}/s)`,
    );
    console.log(exactness(run, STANDALONE_ALERTS));
    store.close();
  } finally {
    await api.close();
    await stop(proc);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await distributedRun();
if (process.env.BENCH_SKIP_STANDALONE !== '1') await standaloneRun();
process.exit(0);
