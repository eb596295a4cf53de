// Message bus benchmark: `npm run bench:bus` (AMQP_URL defaults to the local RabbitMQ).
// For each transport: events/s publish → consume with ~1 KiB payloads (persistent, confirmed,
// each claimed in the database inbox in its handler's transaction, batched as the services that take
// many events do, then acked),
// and RPC round-trip p50/p99 at a fixed 500 requests/s.
// A bare amqplib confirm-channel publisher/consumer on the same RabbitMQ is the reference: through a
// topic exchange and a bound durable queue, as Vigil's bus uses them.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import amqplib from 'amqplib';
import { createEnvelope, RoutingKeys, RpcPatterns } from '@vigil/contracts';
import { EmbeddedBroker, RabbitBroker, VigilBusClient, VigilBusServer, type MessageBroker } from '@vigil/messaging';
import { openDataSource, Transactions, type EnvelopeSource, type PersistenceConfig } from '@vigil/persistence';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { persistence as historyPersistence } from '../apps/history/src/persistence.js';
import { recreateDatabase } from './support/system.js';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const WINDOW = 1_000; // publishes awaiting their confirm at once (pipelined confirms)
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 256);
const RPC_RATE = 500; // requests per second
const RPC_SECONDS = 5;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const logger = pino({ level: 'silent' });

interface Row {
  transport: string;
  eventsPerSecond: number;
  /** CPU time of this process (user + system) per event, publisher and consumer together. */
  cpuMicrosPerEvent: number;
  rpcP50Ms?: number;
  rpcP99Ms?: number;
  rpcCount?: number;
}

/** A notification.failed payload padded so that the whole envelope is ~1 KiB of JSON. */
function payloadOfAboutOneKiB(): object {
  const base = {
    deliveryId: randomUUID(),
    alertId: randomUUID(),
    channelId: randomUUID(),
    channelType: 'slack',
    attempts: 1,
    error: '',
  };
  const size = Buffer.byteLength(
    JSON.stringify(createEnvelope({ type: RoutingKeys.NotificationFailed, tenantId: 'bench-tenant', payload: base })),
  );
  return { ...base, error: 'x'.repeat(Math.max(1, 1024 - size)) };
}

async function runWindowed(total: number, window: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, total) }, worker));
}

function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Throughput {
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
}

interface Fixture {
  /** Publishes EVENTS messages (WINDOW awaiting confirm at once) and waits until all were handled. */
  round(): Promise<Throughput>;
  close(): Promise<void>;
}

async function measure(run: () => Promise<void>): Promise<Throughput> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await run();
  return {
    eventsPerSecond: EVENTS / ((performance.now() - started) / 1000),
    cpuMicrosPerEvent: cpuMicros(process.cpuUsage(cpu)) / EVENTS,
  };
}

/**
 * Our stack as a service with a database runs it: VigilBusClient.publish → broker → VigilBusServer
 * (validate) → the handler's transaction, which claims the envelope id in the database inbox and
 * commits → ack. The database: SQLite for the embedded broker (standalone), PostgreSQL for RabbitMQ.
 */
async function busFixture(
  makeBroker: (namespace: string) => MessageBroker,
  database: PersistenceConfig,
): Promise<Fixture & { rpc(): Promise<{ p50: number; p99: number; count: number }> }> {
  const namespace = `vigil-bench-${randomBytes(3).toString('hex')}`;
  const broker = makeBroker(namespace);
  const dataSource = await openDataSource({
    service: 'history',
    entities: historyPersistence.entities,
    migrations: historyPersistence.migrations,
    config: database,
  });
  const transactions = new Transactions(dataSource, {
    service: 'history',
    broker,
    logger,
    outboxSweepMs: 60_000,
    inboxRetentionDays: 7,
  });
  // As the services that take many events consume them (alert ingest, the history): what arrives
  // within 5 ms, up to 500, shares one transaction and one inbox claim; two lanes.
  const inbox = transactions.batched<object, undefined>(
    { maxWeight: 500, maxDelayMs: 5, lanes: 2 },
    async (_tx, envelopes) => envelopes.map(() => undefined),
  );
  const registry = new Registry();
  // idempotency: null, as in production: the inbox claim is the handler's, in its transaction.
  const history = new VigilBusServer(broker, {
    service: 'history',
    logger,
    registry,
    prefetch: PREFETCH,
    idempotency: null,
  });
  const alert = new VigilBusServer(broker, { service: 'alert', logger, registry, rpcPrefetch: 64 });
  const client = new VigilBusClient(broker, { service: 'notification', logger, registry });
  let handled = 0;
  let target = 0;
  let reached: () => void = () => undefined;
  history.addHandler(
    RoutingKeys.NotificationFailed,
    async (_payload: unknown, ctx: unknown) => {
      await inbox.consume(ctx as EnvelopeSource);
      if (++handled === target) reached();
    },
    true,
  );
  alert.addHandler(RpcPatterns.AlertPing, async (payload: { note?: string }) => ({ pong: payload.note ?? null }));
  await history.start();
  await alert.start();
  const payload = payloadOfAboutOneKiB();
  const publishAndWait = async (count: number) => {
    handled = 0;
    target = count;
    const done = new Promise<void>((resolve) => (reached = resolve));
    await runWindowed(count, WINDOW, () =>
      client.publish(RoutingKeys.NotificationFailed, { tenantId: 'bench-tenant', payload }),
    );
    await done;
  };
  await publishAndWait(1_000); // warm-up: JIT, channels
  return {
    round: () => measure(() => publishAndWait(EVENTS)),
    async rpc() {
      // Fixed rate (open loop): request i is sent at i/RATE s, whatever the replies do.
      for (let i = 0; i < 50; i++)
        await client.request(RpcPatterns.AlertPing, { tenantId: 'bench-tenant', payload: { note: 'warm' } });
      const latencies: number[] = [];
      const total = RPC_RATE * RPC_SECONDS;
      const pending: Promise<void>[] = [];
      const t0 = performance.now();
      let sent = 0;
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RPC_RATE) + 1);
          while (sent < due) {
            sent++;
            const begin = performance.now();
            pending.push(
              client
                .request(RpcPatterns.AlertPing, { tenantId: 'bench-tenant', payload: { note: 'bench' } })
                .then(() => void latencies.push(performance.now() - begin)),
            );
          }
          if (sent >= total) {
            clearInterval(tick);
            resolve();
          }
        }, 1);
      });
      await Promise.all(pending);
      latencies.sort((a, b) => a - b);
      return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length };
    },
    async close() {
      await history.close();
      await alert.close();
      if (broker.isConnected()) {
        for (const queue of [
          ...broker.names.queuesOf('history', [200, 1_000, 5_000, 15_000]),
          ...broker.names.queuesOf('alert', []),
        ])
          await broker.deleteQueue(queue).catch(() => undefined);
        await broker.deleteExchange(broker.names.events).catch(() => undefined);
        await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
      }
      await transactions.stop();
      await dataSource.destroy();
      await broker.close();
    },
  };
}

/**
 * The reference: amqplib alone, as Vigil uses RabbitMQ: a durable topic exchange, a durable queue
 * bound to the routing key, a confirm channel, persistent messages, one ack per message.
 */
async function bareFixture(): Promise<Fixture> {
  const connection = await amqplib.connect(AMQP_URL, { noDelay: true });
  const name = `vigil-bench-bare-${randomBytes(3).toString('hex')}`;
  const queue = `${name}.history`;
  const exchange = `${name}.events`;
  const publisher = await connection.createConfirmChannel();
  const consumer = await connection.createChannel();
  await publisher.assertExchange(exchange, 'topic', { durable: true });
  await publisher.assertQueue(queue, { durable: true });
  await publisher.bindQueue(queue, exchange, RoutingKeys.NotificationFailed);
  await consumer.prefetch(PREFETCH);
  const body = Buffer.from(
    JSON.stringify(
      createEnvelope({
        type: RoutingKeys.NotificationFailed,
        tenantId: 'bench-tenant',
        payload: payloadOfAboutOneKiB(),
      }),
    ),
  );
  let received = 0;
  let target = 0;
  let reached: () => void = () => undefined;
  await consumer.consume(queue, (message) => {
    if (!message) return;
    JSON.parse(message.content.toString('utf8')); // a consumer looks at what it got
    consumer.ack(message);
    if (++received === target) reached();
  });
  const publish = () =>
    new Promise<void>((resolve, reject) => {
      publisher.publish(
        exchange,
        RoutingKeys.NotificationFailed,
        body,
        { persistent: true, contentType: 'application/json', messageId: randomUUID() },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  const publishAndWait = async (count: number) => {
    received = 0;
    target = count;
    const done = new Promise<void>((resolve) => (reached = resolve));
    await runWindowed(count, WINDOW, publish);
    await done;
  };
  await publishAndWait(1_000);
  return {
    round: () => measure(() => publishAndWait(EVENTS)),
    async close() {
      await publisher.deleteQueue(queue).catch(() => undefined);
      await publisher.deleteExchange(exchange).catch(() => undefined);
      await connection.close();
    },
  };
}

/** The round with the median rate (the machine may be shared: single runs are noisy). */
function median(results: Throughput[]): Throughput {
  return [...results].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor(results.length / 2)];
}

function fmt(value: number | undefined, digits: number): string {
  return value === undefined ? '—' : value.toFixed(digits);
}

async function main(): Promise<void> {
  console.log(
    `bus benchmark: ${EVENTS} events of ~1 KiB (persistent, confirmed, acked after the handler), ${WINDOW} publishes in flight, prefetch ${PREFETCH}, median of ${ROUNDS} rounds; RPC at ${RPC_RATE}/s for ${RPC_SECONDS} s`,
  );
  const rows: Row[] = [];
  const sqliteDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-bus-'));
  const embedded = await busFixture((namespace) => new EmbeddedBroker({ namespace, logger }), {
    VIGIL_DATA_DIR: sqliteDir,
    DB_POOL_SIZE: 10,
  });
  try {
    const rounds: Throughput[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await embedded.round());
    const rpc = await embedded.rpc();
    rows.push({ transport: 'embedded', ...median(rounds), rpcP50Ms: rpc.p50, rpcP99Ms: rpc.p99, rpcCount: rpc.count });
  } finally {
    await embedded.close();
    rmSync(sqliteDir, { recursive: true, force: true });
  }
  let rabbit: Awaited<ReturnType<typeof busFixture>> | undefined;
  let bare: Fixture | undefined;
  try {
    rabbit = await busFixture(
      (namespace) => new RabbitBroker({ url: AMQP_URL, namespace, logger, connectionName: 'vigil-bench' }),
      { DATABASE_URL: await recreateDatabase('vigil_bench_bus'), VIGIL_DATA_DIR: tmpdir(), DB_POOL_SIZE: 10 },
    );
    bare = await bareFixture();
  } catch (error) {
    console.log(`RabbitMQ at ${AMQP_URL} unavailable: ${(error as Error).message}`);
  }
  if (rabbit && bare) {
    try {
      // Alternate the two so that both see the same background load.
      const ours: Throughput[] = [];
      const reference: Throughput[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        reference.push(await bare.round());
        ours.push(await rabbit.round());
      }
      const rpc = await rabbit.rpc();
      rows.push({ transport: 'rabbitmq', ...median(ours), rpcP50Ms: rpc.p50, rpcP99Ms: rpc.p99, rpcCount: rpc.count });
      rows.push({ transport: 'bare amqplib (reference)', ...median(reference) });
    } finally {
      await rabbit.close();
      await bare.close();
    }
  }
  const header = ['transport', 'events/s', 'CPU µs/event', 'RPC p50 ms', 'RPC p99 ms', 'RPC n'];
  const lines = rows.map((r) => [
    r.transport,
    fmt(r.eventsPerSecond, 0),
    fmt(r.cpuMicrosPerEvent, 0),
    fmt(r.rpcP50Ms, 2),
    fmt(r.rpcP99Ms, 2),
    r.rpcCount === undefined ? '—' : String(r.rpcCount),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log();
  console.log(row(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(row(line));
  const ours = rows.find((r) => r.transport === 'rabbitmq');
  const reference = rows.find((r) => r.transport.startsWith('bare'));
  if (ours && reference) {
    const ratio = ours.eventsPerSecond / reference.eventsPerSecond;
    console.log();
    console.log(
      `rabbitmq / bare amqplib throughput: ${ratio.toFixed(2)} (target ≥ 0.60) ${ratio >= 0.6 ? 'OK' : 'BELOW TARGET'}`,
    );
    console.log(
      `rabbitmq RPC p99: ${fmt(ours.rpcP99Ms, 2)} ms (target < 5 ms) ${(ours.rpcP99Ms ?? Infinity) < 5 ? 'OK' : 'ABOVE TARGET'}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
