// Alert service ingest benchmark (its half of `npm run bench:ingest`): publishes
// `ingest.alerts.received` batches straight to the bus — 10 alerts per message, 30 % repeats of
// earlier fingerprints, 10 tenants — and prints the sustained rate of alerts persisted (first
// publish → last alert committed), then AlertList latencies with 1,000,000 alerts stored.
//   PostgreSQL + RabbitMQ: the alert service runs as a child process (this file with `child`),
//   on a messaging namespace and database of its own (`<DATABASE_URL's db>_bench_alert`).
//   Standalone: the service in this process on the embedded broker and SQLite.
// Env: AMQP_URL, DATABASE_URL (default the local servers), BENCH_ALERTS (default 100000),
// BENCH_LIST_ROWS (default 1000000; 0 skips the list part), BENCH_SKIP_SQLITE=1, BENCH_PREFETCH (500).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import pg from 'pg';
import { seedAlerts } from './support/seed-alerts.js';
import { pino } from 'pino';
import { CommonConfig, loadConfig } from '@vigil/config';
import { alertIdOf, RoutingKeys, RpcPatterns, type AlertView, type Page, type ReceivedAlert } from '@vigil/contracts';
import { EmbeddedBroker, RabbitBroker, VigilBusClient, type MessageBroker } from '@vigil/messaging';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { startService } from '@vigil/runtime';
import { alertApp } from '../apps/alert/src/alert.app.js';

/** better-sqlite3 (no type declarations installed), to read the service's file with the same SQLite library it writes with. */
interface SqliteReader {
  prepare(sql: string): { get(): unknown; all(): unknown[] };
  close(): void;
}
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean },
) => SqliteReader;

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ALERTS = Number(process.env.BENCH_ALERTS ?? 100_000);
const LIST_ROWS = Number(process.env.BENCH_LIST_ROWS ?? 1_000_000);
const PREFETCH = process.env.BENCH_PREFETCH ?? '500';
const PER_MESSAGE = 10;
const TENANTS = Array.from({ length: 10 }, (_, i) => `bench-tenant-${i}`);
const REPEAT_SHARE = 0.3;
const WINDOW = 200; // publishes awaiting their confirm at once
const logger = pino({ level: 'silent' });

function benchDatabaseUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil');
  url.pathname = `${url.pathname}_bench_alert`;
  return url.href;
}

/** The messages of the run: each one tenant's, 30 % of its alerts repeating one of that tenant's earlier fingerprints. */
function workload(total: number): { tenantId: string; alerts: ReceivedAlert[] }[] {
  const seen = new Map<string, string[]>(TENANTS.map((t) => [t, []]));
  // A repeat carries the labels it first came with (a fingerprint is the hash of a label set).
  const first = new Map<string, { labels: Record<string, string>; summary: string }>();
  const messages: { tenantId: string; alerts: ReceivedAlert[] }[] = [];
  let n = 0;
  for (let m = 0; n < total; m++) {
    const tenantId = TENANTS[m % TENANTS.length]!;
    const earlier = seen.get(tenantId)!;
    const alerts: ReceivedAlert[] = [];
    for (let i = 0; i < PER_MESSAGE && n < total; i++, n++) {
      const repeat = earlier.length > 0 && Math.random() < REPEAT_SHARE;
      const fingerprint = repeat
        ? earlier[Math.floor(Math.random() * earlier.length)]!
        : `fp-${randomBytes(8).toString('hex')}`;
      if (!repeat) earlier.push(fingerprint);
      let identity = first.get(fingerprint);
      if (!identity) {
        identity = {
          labels: {
            alertname: `HighLatency${n % 50}`,
            service: `svc-${n % 30}`,
            namespace: 'payments',
            cluster: 'prod-eu-1',
            instance: `10.0.${n % 255}.${n % 7}:9100`,
          },
          summary: `p99 latency of svc-${n % 30} above 2s for 5 minutes`,
        };
        first.set(fingerprint, identity);
      }
      alerts.push({
        alertId: alertIdOf(tenantId, fingerprint),
        alertType: `type-${n % 20}`,
        runbook: 'https://runbooks.example.com/high-latency',
        severity: (['critical', 'high', 'warning', 'low', 'info'] as const)[n % 5]!,
        timestamp: String(Date.now() * 1000),
        environment: 'production',
        fingerprint,
        status: 'firing',
        labels: identity.labels,
        annotations: { summary: 'p99 latency above 2s', runbook_url: 'https://runbooks.example.com/high-latency' },
        summary: identity.summary,
        description:
          'The 99th percentile of request latency has been above the 2 s objective for five minutes. Check recent deploys and the database.',
        data: {
          value: 2.4 + (n % 10) / 10,
          threshold: 2,
          tags: ['latency', 'slo'],
          nested: { pod: `api-${n % 40}`, node: `node-${n % 12}` },
        },
      });
    }
    messages.push({ tenantId, alerts });
  }
  return messages;
}

async function publishAll(
  client: VigilBusClient,
  messages: { tenantId: string; alerts: ReceivedAlert[] }[],
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const message = messages[next++]!;
      await client.publish(RoutingKeys.IngestAlertsReceived, {
        tenantId: message.tenantId,
        payload: { source: 'alertmanager', alerts: message.alerts },
      });
    }
  };
  await Promise.all(Array.from({ length: WINDOW }, worker));
}

async function waitUntil(count: () => Promise<number>, target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await count()) < target) {
    if (Date.now() > deadline)
      throw new Error(`only ${await count()} of ${target} alerts persisted after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface IngestFigures {
  alertsPerSecond: number;
  publishPerSecond: number;
  seconds: number;
}

async function measureIngest(client: VigilBusClient, persisted: () => Promise<number>): Promise<IngestFigures> {
  await publishAll(client, workload(2_000)); // warm-up
  const base = await waitFor(persisted, 2_000);
  const messages = workload(ALERTS);
  const started = performance.now();
  await publishAll(client, messages);
  const published = performance.now();
  await waitUntil(async () => (await persisted()) - base, ALERTS, 600_000);
  const seconds = (performance.now() - started) / 1000;
  return {
    alertsPerSecond: Math.round(ALERTS / seconds),
    publishPerSecond: Math.round(ALERTS / ((published - started) / 1000)),
    seconds: Math.round(seconds * 10) / 10,
  };
}

async function waitFor(persisted: () => Promise<number>, atLeast: number): Promise<number> {
  await waitUntil(persisted, atLeast, 60_000);
  return persisted();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function listLatencies(client: VigilBusClient): Promise<{ query: string; p50: number; p95: number }[]> {
  const queries: [string, object][] = [
    ['default (last_seen desc)', {}],
    ['status=triggered', { status: ['triggered'] }],
    ['severity=critical,high', { severity: ['critical', 'high'] }],
    ['alertType', { alertType: 'type-7' }],
    ['label service=svc-3', { label: ['service=svc-3'] }],
    ['rare label pod=pod-42', { label: ['pod=pod-42'] }],
    ['q=pod-4242', { q: 'pod-4242' }],
    ['sort=severity', { sort: 'severity' }],
    ['sort=occurrences asc', { sort: 'occurrences', order: 'asc' }],
    [
      'from/to (one hour)',
      { from: new Date(Date.now() - 7_200_000).toISOString(), to: new Date(Date.now() - 3_600_000).toISOString() },
    ],
  ];
  const out: { query: string; p50: number; p95: number }[] = [];
  for (const [name, query] of queries) {
    const times: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 60; i++) {
      const tenantId = TENANTS[i % TENANTS.length]!;
      const begin = performance.now();
      const page: Page<AlertView> = await client.request(RpcPatterns.AlertList, {
        tenantId,
        payload: { ...query, limit: 50, ...(cursor && i % 2 === 1 ? { cursor } : {}) },
      });
      if (i >= 10) times.push(performance.now() - begin);
      cursor = page.nextCursor;
    }
    times.sort((a, b) => a - b);
    out.push({
      query: name,
      p50: Math.round(percentile(times, 50) * 10) / 10,
      p95: Math.round(percentile(times, 95) * 10) / 10,
    });
  }
  return out;
}

/** Child mode: the alert service alone, as its own process, on the bench namespace. */
async function child(): Promise<void> {
  const config = loadConfig(CommonConfig, { ...process.env, LOG_LEVEL: 'warn' });
  const broker = new RabbitBroker({
    url: AMQP_URL,
    namespace: process.env.BENCH_NAMESPACE!,
    prefetch: config.BUS_PREFETCH,
    logger,
  });
  await broker.connect();
  const service = await startService(alertApp, { mode: 'distributed', config, broker, registries: [] });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void service
      .close()
      .then(() => broker.close())
      .then(() => process.exit(0));
  });
}

async function postgresRun(): Promise<void> {
  const databaseUrl = benchDatabaseUrl();
  await ensurePostgresDatabase(databaseUrl);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('DROP SCHEMA IF EXISTS vigil_alert CASCADE');
  const namespace = `vigil-bench-alert-${randomBytes(3).toString('hex')}`;
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child'], {
    env: {
      ...process.env,
      AMQP_URL,
      DATABASE_URL: databaseUrl,
      BENCH_NAMESPACE: namespace,
      BUS_PREFETCH: PREFETCH,
      DB_POOL_SIZE: '8',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`alert service exited with ${code}`)));
  });
  const broker = new RabbitBroker({ url: AMQP_URL, namespace, logger });
  await broker.connect();
  const client = new VigilBusClient(broker, { service: 'gateway', logger, rpcTimeoutMs: 30_000 });
  try {
    const persisted = async () =>
      Number((await db.query('SELECT COALESCE(SUM(occurrences), 0) AS n FROM vigil_alert.alerts')).rows[0].n);
    const ingest = await measureIngest(client, persisted);
    console.log(
      `PostgreSQL + RabbitMQ: ${ingest.alertsPerSecond} alerts/s persisted (${ALERTS} alerts in ${ingest.seconds} s; published at ${ingest.publishPerSecond}/s), alert service in its own process, prefetch ${PREFETCH}`,
    );
    if (LIST_ROWS > 0) {
      const started = performance.now();
      await seedAlerts(db, TENANTS, LIST_ROWS);
      const total = Number((await db.query('SELECT COUNT(*) AS n FROM vigil_alert.alerts')).rows[0].n);
      console.log(
        `seeded ${LIST_ROWS} alerts in ${Math.round((performance.now() - started) / 1000)} s (${total} stored, ${total / TENANTS.length} per tenant); AlertList over the bus, 50 per page:`,
      );
      for (const row of await listLatencies(client))
        console.log(
          `  ${row.query.padEnd(28)} p50 ${String(row.p50).padStart(6)} ms   p95 ${String(row.p95).padStart(6)} ms`,
        );
    }
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    for (const queue of [...broker.names.queuesOf('alert', [200, 1_000, 5_000, 15_000])])
      await broker.deleteQueue(queue).catch(() => undefined);
    await broker.deleteExchange(broker.names.events).catch(() => undefined);
    await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
    await broker.close();
    await db.end();
  }
}

async function sqliteRun(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-alert-'));
  const broker: MessageBroker = new EmbeddedBroker({ logger });
  await broker.connect();
  const config = loadConfig(CommonConfig, { VIGIL_DATA_DIR: dataDir, LOG_LEVEL: 'warn', BUS_PREFETCH: PREFETCH });
  const service = await startService(alertApp, {
    mode: 'standalone',
    config,
    broker,
    registries: [],
    logDestination: { write: () => undefined } as never,
  });
  const reader = new SqliteDatabase(path.join(dataDir, 'alert.sqlite'), { readonly: true });
  const statement = reader.prepare('SELECT COALESCE(SUM(occurrences), 0) AS n FROM alerts');
  const client = new VigilBusClient(broker, { service: 'gateway', logger });
  try {
    const ingest = await measureIngest(client, async () => Number((statement.get() as { n: number }).n));
    console.log(
      `standalone (embedded broker + SQLite): ${ingest.alertsPerSecond} alerts/s persisted (${ALERTS} alerts in ${ingest.seconds} s), one process`,
    );
  } finally {
    reader.close();
    await service.close();
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child') {
  await child();
} else {
  await postgresRun();
  if (process.env.BENCH_SKIP_SQLITE !== '1') await sqliteRun();
  process.exit(0);
}
