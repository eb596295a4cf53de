// A consumer losing its broker connection while messages flow, with the database inbox as every
// service with a database has it (Transactions.consume: the inbox claim and the handler's write in
// one transaction, the bus server without its in-memory dedupe): every message is stored exactly
// once, and the copies that come again after the loss are recognised by the inbox. All asserted by
// counting (rows, inbox claims, duplicates, queue depths), never by the clock.
//
// The loss is made deterministic: the handlers are held after their commit until all `PREFETCH`
// unacked messages are committed and waiting, then the connection goes, so exactly those messages
// (at least) come back although they are stored.
// - RabbitMQ: the broker closes our connection (`rabbitmqctl close_connection`, on our connection
//   only: other suites on this RabbitMQ are not disturbed), then the network to it fails (a TCP
//   proxy that refuses us until the client has tried to come back twice) while more is published.
// - Embedded broker: it has no connection to lose; the consumer stops with its handlers held (its
//   channel closes, the unacked messages go back) and a new one takes over.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { Column, Entity, PrimaryColumn, type DataSource } from 'typeorm';
import {
  DUPLICATE,
  openDataSource,
  tenantRowLevelSecuritySql,
  Transactions,
  type EnvelopeSource,
} from '@vigil/persistence';
import {
  AMQP_URL,
  DIALECT,
  quietLogger,
  scratchDatabase,
  TcpProxy,
  TEST_MODE,
  TestBus,
  waitFor,
  type ScratchDatabase,
} from '@vigil/testing';
import type { VigilBusClient, VigilBusServer } from '../src/index.js';
import { deliveredPayload } from './payloads.js';

jest.setTimeout(120_000);

const run = promisify(execFile);
// rabbitmqctl lives in sbin, which a non-login PATH may lack.
const SBIN_PATH = [process.env.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':');
const distributed = TEST_MODE === 'distributed';
const TENANT = 't1';
const PREFETCH = 20;
const FIRST = 3_000;
const SECOND = distributed ? 3_000 : 0;

@Entity({ name: 'deliveries' })
class StoredDelivery {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  /** A fresh id per write: a message handled twice would leave two rows. */
  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'envelope_id', type: 'varchar', length: 64 })
  envelopeId!: string;

  @Column({ name: 'delivery_id', type: 'varchar', length: 64 })
  deliveryId!: string;
}

/** rabbitmqctl, retried: the CLI occasionally fails when the node is busy. */
async function rabbitmqctl(args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await run('rabbitmqctl', args, { timeout: 15_000, env: { ...process.env, PATH: SBIN_PATH } })).stdout;
    } catch (error) {
      if (attempt >= 3)
        throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${(error as Error).message}`, { cause: error });
      await sleep(500);
    }
  }
}

async function closeOurConnections(connectionName: string): Promise<number> {
  const stdout = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '--no-table-headers', '--quiet']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await rabbitmqctl(['close_connection', pid, 'vigil outage test']);
  return pids.length;
}

/** Publishes `total` events with at most `window` awaiting their confirm at any time. */
async function publishAll(client: VigilBusClient, total: number, window: number, sent: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const envelope = await client.publish('notification.delivered', {
        tenantId: TENANT,
        payload: deliveredPayload(),
      });
      sent.push(envelope.payload.deliveryId);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

describe(`a consumer with the database inbox losing its broker connection (${TEST_MODE})`, () => {
  const target = new URL(AMQP_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5672));
  const connectionName = `vigil-test-outage-${process.pid}-${Date.now()}`;
  let db: ScratchDatabase;
  let dataSource: DataSource;
  let transactions: Transactions;
  let bus: TestBus;

  beforeAll(async () => {
    db = await scratchDatabase();
    dataSource = await openDataSource({
      service: 'history',
      entities: [StoredDelivery],
      ...db.isolated('outage'),
      synchronize: true,
      migrate: false,
      logging: false,
    });
    if (DIALECT === 'postgres')
      for (const statement of tenantRowLevelSecuritySql({ tenantTables: ['deliveries'], platformTables: ['inbox'] }))
        await dataSource.query(statement);
    if (distributed) {
      await proxy.start();
      const viaProxy = new URL(AMQP_URL);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      bus = new TestBus({ url: viaProxy.toString(), connectionName });
    } else bus = new TestBus();
    transactions = new Transactions(dataSource, {
      service: 'history',
      broker: bus.broker,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
  });

  afterAll(async () => {
    if (distributed) await proxy.start().catch(() => undefined); // reach the broker to clean up
    await transactions?.stop();
    await bus?.dispose();
    await proxy.cut();
    await dataSource?.destroy();
    await db?.cleanup();
  });

  const count = async (sql: string): Promise<number> =>
    Number((await transactions.asPlatform(({ sql: q }) => q.query<{ n: number }>(sql)))[0]!.n);

  it('stores every message once; the copies that come again after the loss are duplicates in the inbox', async () => {
    const counts = { stored: 0, duplicates: 0, held: 0 };
    let hold: Promise<void> | undefined;
    let release = () => undefined as void;
    const startConsumer = (): Promise<VigilBusServer> =>
      bus.server(
        'history',
        (s) =>
          s.addHandler(
            'notification.delivered',
            async (payload: { deliveryId: string }, ctx: unknown) => {
              const result = await transactions.consume(ctx as EnvelopeSource, (tx) =>
                tx.sql.run('INSERT INTO deliveries (tenant_id, id, envelope_id, delivery_id) VALUES (?, ?, ?, ?)', [
                  tx.tenantId,
                  randomUUID(),
                  (ctx as EnvelopeSource).getEnvelope().id,
                  payload.deliveryId,
                ]),
              );
              if (result === DUPLICATE) counts.duplicates++;
              else counts.stored++;
              if (hold) {
                counts.held++;
                await hold; // committed; the ack waits
              }
            },
            true,
          ),
        // As services with a database run: the inbox in the handler's transaction, no in-memory dedupe.
        { idempotency: null, prefetch: PREFETCH, drainTimeoutMs: 100 },
      );
    const first = await startConsumer();
    const client = bus.client('notification');
    const sent: string[] = [];

    // Phase 1: the connection goes while every unacked message is committed and held.
    const firstBatch = publishAll(client, FIRST, 100, sent);
    await waitFor(() => counts.stored >= 500, { what: '500 stored before the loss', timeoutMs: 60_000 });
    hold = new Promise<void>((resolve) => (release = resolve));
    await waitFor(() => counts.held === PREFETCH, { what: `all ${PREFETCH} unacked messages committed and held` });
    const storedAtLoss = counts.stored;
    expect(counts.duplicates).toBe(0);
    if (distributed) {
      expect(await closeOurConnections(connectionName)).toBeGreaterThan(0);
    } else {
      await first.close(); // its channel closes: the unacked messages go back
      await startConsumer();
    }
    // From here the held handlers may finish: their acks go to a channel that is gone.
    hold = undefined;
    release();
    await firstBatch;
    await waitFor(() => counts.stored >= FIRST, { what: `all ${FIRST} stored`, timeoutMs: 60_000 });
    // Each held message was stored before the loss and delivered again after it: the inbox said so.
    expect(counts.duplicates).toBeGreaterThanOrEqual(PREFETCH);
    expect(storedAtLoss).toBeLessThan(FIRST);

    if (distributed) {
      // Phase 2: the network to RabbitMQ fails while more is published, until the client has failed
      // to come back twice.
      proxy.refuse();
      await waitFor(() => !bus.broker.isConnected(), { what: 'the connection lost' });
      const secondBatch = publishAll(client, SECOND, 100, sent);
      await waitFor(() => proxy.refused >= 2, { what: 'two failed reconnections', timeoutMs: 30_000 });
      // Nothing is confirmed by a broker that cannot be reached.
      expect(sent).toHaveLength(FIRST);
      await expect(bus.broker.check()).rejects.toThrow(/not connected/);
      await proxy.start();
      await secondBatch;
    }

    const total = FIRST + SECOND;
    await waitFor(() => counts.stored >= total, { what: `all ${total} stored`, timeoutMs: 60_000 });
    await waitFor(async () => (await bus.queues.depth(bus.broker.names.serviceQueue('history'))) === 0, {
      what: 'the queue drained',
    });
    expect(sent).toHaveLength(total);
    expect(new Set(sent).size).toBe(total);
    expect(counts.stored).toBe(total);
    expect(await count('SELECT COUNT(*) AS n FROM deliveries')).toBe(total);
    expect(await count('SELECT COUNT(DISTINCT delivery_id) AS n FROM deliveries')).toBe(total);
    expect(await count("SELECT COUNT(*) AS n FROM inbox WHERE consumer = 'history'")).toBe(total);
    const stored = new Set(
      (
        await transactions.asPlatform(({ sql }) =>
          sql.query<{ delivery_id: string }>('SELECT delivery_id FROM deliveries'),
        )
      ).map((r) => r.delivery_id),
    );
    expect(sent.filter((id) => !stored.has(id))).toEqual([]);
    expect(await bus.queues.depth(bus.broker.names.deadLetterQueue('history'))).toBe(0);
    if (distributed) expect(bus.broker.isConnected()).toBe(true);
  });
});
