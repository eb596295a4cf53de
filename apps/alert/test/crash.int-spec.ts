// Crash safety of the ingest batches. Distributed: the alert service as its own process, SIGKILLed
// in the middle of 20,000 alerts (2,000 messages), then started again. The kill moment is chosen by
// count, not by timing: once 300 messages are stored, the process's acks are held back (a TCP proxy
// between it and RabbitMQ stops passing what it sends), and once 100 more are stored — stored, never
// acked — it is killed. RabbitMQ then delivers those again to the restarted process, which must find
// them in its inbox: each envelope claimed once, occurrence counts exact, one `created` per alert.
// The child is the built entry point an operator runs (dist/apps/alert/src/main.js), on a
// messaging namespace of its own (BUS_NAMESPACE): with the default one, any other Vigil on this
// RabbitMQ (another test run) would share the `vigil.alert` queue and take some of the messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import amqplib from 'amqplib';
import pg from 'pg';
import { alertIdOf, RoutingKeys, type ReceivedAlert } from '@vigil/contracts';
import { VigilBusClient, type MessageBroker } from '@vigil/messaging';
import {
  AMQP_URL,
  createTestBroker,
  freshPostgresDatabase,
  removeNamespace,
  TcpProxy,
  TEST_MODE,
  TestHarness,
  uniqueNamespace,
  waitFor,
  type FreshDatabase,
} from '@vigil/testing';
import { alertApp } from '../src/alert.app.js';
import { receivedAlert } from './alerts.js';

/** better-sqlite3 (no type declarations installed), to read the service's file with the same SQLite library it writes with. */
interface SqliteReader {
  prepare(sql: string): { get(): unknown; all(): unknown[] };
  close(): void;
}
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean },
) => SqliteReader;

const root = path.resolve(import.meta.dirname, '../../..');
const ALERTS = 20_000;
const PER_MESSAGE = 10;
const MESSAGES = ALERTS / PER_MESSAGE;
/** Messages stored (and acked) before the first process's acks are held back. */
const BEFORE_HOLD = 300;
/** Messages stored after that, none of them acked, before it is killed. */
const HELD = 100;
const TENANTS = Array.from({ length: 5 }, () => `crash-${randomBytes(4).toString('hex')}`);

const NAMESPACE = uniqueNamespace('crash');
function startAlertProcess(databaseUrl: string, amqpUrl: string): { child: ChildProcess; output: () => string } {
  const entry = path.join(root, 'dist/apps/alert/src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (node scripts/build.mjs)`);
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      AMQP_URL: amqpUrl,
      DATABASE_URL: databaseUrl,
      BUS_NAMESPACE: NAMESPACE,
      HEALTH_PORT: '0',
      LOG_LEVEL: 'info',
      VIGIL_MODE: 'distributed',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += String(d)));
  child.stderr!.on('data', (d) => (text += String(d)));
  return { child, output: () => text };
}

async function started(proc: { child: ChildProcess; output: () => string }): Promise<void> {
  await waitFor(
    () => {
      if (proc.child.exitCode !== null)
        throw new Error(`alert service exited with ${proc.child.exitCode}:\n${proc.output()}`);
      return proc.output().includes('"msg":"alert started"') ? true : undefined;
    },
    { what: 'the alert service to start', timeoutMs: 30_000 },
  );
}

/** Throws (with its output) if the process has exited: a wait on it would otherwise only time out. */
function alive(proc: { child: ChildProcess; output: () => string }): void {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null)
    throw new Error(
      `alert service exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output().slice(-4000)}`,
    );
}

/** 30 % of the alerts repeat an earlier fingerprint of the same tenant; returns the messages and the expected counts. */
function workload(total: number): {
  messages: { tenantId: string; alerts: ReceivedAlert[] }[];
  expected: Map<string, number>;
} {
  const expected = new Map<string, number>();
  const known = new Map<string, string[]>(TENANTS.map((t) => [t, []]));
  const messages: { tenantId: string; alerts: ReceivedAlert[] }[] = [];
  for (let m = 0; m < total / PER_MESSAGE; m++) {
    const tenantId = TENANTS[m % TENANTS.length]!;
    const earlier = known.get(tenantId)!;
    const alerts = Array.from({ length: PER_MESSAGE }, () => {
      const repeat = earlier.length > 0 && Math.random() < 0.3;
      const fingerprint = repeat
        ? earlier[Math.floor(Math.random() * earlier.length)]!
        : randomBytes(6).toString('hex');
      if (!repeat) earlier.push(fingerprint);
      const key = `${tenantId}/${alertIdOf(tenantId, fingerprint)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
      return receivedAlert(tenantId, { fingerprint, labels: { n: fingerprint } });
    });
    messages.push({ tenantId, alerts });
  }
  return { messages, expected };
}

/** Publishes every message (100 awaiting their confirm at a time); returns their envelope ids. */
async function publishAll(
  client: VigilBusClient,
  messages: { tenantId: string; alerts: ReceivedAlert[] }[],
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        const envelope = await client.publish(RoutingKeys.IngestAlertsReceived, {
          tenantId: message.tenantId,
          payload: { source: 'alertmanager', alerts: message.alerts },
        });
        ids.push(envelope.id);
      }
    }),
  );
  return ids;
}

if (TEST_MODE === 'embedded') {
  // One process: no SIGKILL here, but the same promise across a stop in the middle of the work.
  describe('alert service restart (embedded)', () => {
    it('stores every accepted alert exactly once across a stop and start mid-run', async () => {
      const h = await TestHarness.service(alertApp, { config: { LOG_LEVEL: 'warn', BUS_PREFETCH: '500' } });
      const sqlite = () => new SqliteDatabase(path.join(h.dataDir.path, 'alert.sqlite'), { readonly: true });
      const persisted = () => {
        const db = sqlite();
        try {
          return Number((db.prepare('SELECT COALESCE(SUM(occurrences), 0) AS n FROM alerts').get() as { n: number }).n);
        } finally {
          db.close();
        }
      };
      const claimed = () => {
        const db = sqlite();
        try {
          return Number((db.prepare('SELECT COUNT(*) AS n FROM inbox').get() as { n: number }).n);
        } finally {
          db.close();
        }
      };
      try {
        const { messages, expected } = workload(40_000);
        await publishAll(h.client, messages);
        // Stopped by count: once 100 of the 4,000 messages are stored.
        await waitFor(() => (claimed() >= 100 ? true : undefined), { what: '100 messages stored' });
        await h.stop(h.service);
        expect(claimed()).toBeLessThan(messages.length);
        expect(persisted()).toBeLessThan(40_000);
        await h.start();
        await waitFor(() => (persisted() >= 40_000 ? true : undefined), {
          what: 'every alert stored',
          timeoutMs: 60_000,
        });
        expect(claimed()).toBe(messages.length);
        const db = sqlite();
        const rows = db.prepare('SELECT tenant_id, id, occurrences FROM alerts').all() as {
          tenant_id: string;
          id: string;
          occurrences: number;
        }[];
        db.close();
        expect(new Map(rows.map((r) => [`${r.tenant_id}/${r.id}`, r.occurrences]))).toEqual(expected);
      } finally {
        await h.close();
      }
    }, 120_000);
  });
} else
  describe('alert service crash (distributed)', () => {
    let database: FreshDatabase;
    let db: pg.Client;
    let broker: MessageBroker;
    let inspector: amqplib.ChannelModel;
    const children: ChildProcess[] = [];
    const proxies: TcpProxy[] = [];

    beforeAll(async () => {
      database = await freshPostgresDatabase('crash');
      db = new pg.Client({ connectionString: database.url });
      await db.connect();
      broker = createTestBroker({ namespace: NAMESPACE });
      await broker.connect();
      inspector = await amqplib.connect(AMQP_URL);
    });
    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      for (const proxy of proxies) await proxy.cut();
      await inspector?.close().catch(() => undefined);
      if (broker) {
        await removeNamespace(broker, ['alert']);
        await broker.close();
      }
      await db?.end();
      await database?.drop();
    });

    const persisted = async () =>
      Number((await db.query('SELECT COALESCE(SUM(occurrences), 0) AS n FROM vigil_alert.alerts')).rows[0].n);
    /** Inbox claims of these envelopes: each message the service committed, once. */
    const claimed = async (envelopeIds: string[]) =>
      Number(
        (
          await db.query('SELECT COUNT(*) AS n FROM vigil_alert.inbox WHERE envelope_id = ANY($1::uuid[])', [
            envelopeIds,
          ])
        ).rows[0].n,
      );
    /** The alert queue as RabbitMQ sees it: ready messages and consumers. */
    const alertQueue = async () => {
      const channel = await inspector.createChannel();
      try {
        const { messageCount, consumerCount } = await channel.checkQueue(broker.names.serviceQueue('alert'));
        return { ready: messageCount, consumers: consumerCount };
      } finally {
        await channel.close().catch(() => undefined);
      }
    };

    it('stores every accepted alert exactly once across a SIGKILL: the messages it stored but could not ack come again and are duplicates', async () => {
      // The first process reaches RabbitMQ through a proxy that can stop passing what it sends.
      const target = new URL(AMQP_URL);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 5672));
      proxies.push(proxy);
      await proxy.start();
      const viaProxy = new URL(AMQP_URL);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const first = startAlertProcess(database.url, viaProxy.toString());
      children.push(first.child);
      await started(first);

      const { messages, expected } = workload(ALERTS);
      const envelopeIds = await publishAll(new VigilBusClient(broker, { service: 'gateway' }), messages);
      expect(envelopeIds).toHaveLength(MESSAGES);

      // The kill moment, by count: after BEFORE_HOLD messages stored (and acked), its acks are held
      // back; once HELD more are stored, none of them acked, it is killed.
      await waitFor(async () => (alive(first), (await claimed(envelopeIds)) >= BEFORE_HOLD ? true : undefined), {
        what: `${BEFORE_HOLD} messages stored`,
        timeoutMs: 60_000,
      });
      proxy.holdUpstream();
      const atHold = await claimed(envelopeIds);
      await waitFor(async () => (alive(first), (await claimed(envelopeIds)) >= atHold + HELD ? true : undefined), {
        what: `${HELD} more messages stored while their acks are held back`,
        timeoutMs: 60_000,
      });
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const storedAtKill = await claimed(envelopeIds);
      expect(await persisted()).toBeLessThan(ALERTS);

      // RabbitMQ puts back what the dead connection had not acked: the messages never stored, and the
      // ones stored after the hold (at least HELD), which must come again and change nothing.
      const queue = await waitFor(
        async () => {
          const state = await alertQueue();
          return state.consumers === 0 ? state : undefined;
        },
        { what: 'RabbitMQ to notice the killed consumer', timeoutMs: 60_000 },
      );
      const acked = MESSAGES - queue.ready;
      const storedNotAcked = storedAtKill - acked;
      expect(storedNotAcked).toBeGreaterThanOrEqual(HELD);

      const second = startAlertProcess(database.url, AMQP_URL);
      children.push(second.child);
      await started(second);
      await waitFor(async () => (alive(second), (await persisted()) >= ALERTS ? true : undefined), {
        what: 'every alert stored',
        timeoutMs: 120_000,
      });
      // The outbox left by the killed process is published by the restarted one's sweep.
      await waitFor(
        async () =>
          Number((await db.query('SELECT COUNT(*) AS n FROM vigil_alert.outbox')).rows[0].n) === 0 ? true : undefined,
        { what: 'outbox drained', timeoutMs: 30_000 },
      );
      // A clean stop finishes what it holds; an empty queue after it means every copy, the second
      // deliveries included, was handled and acked.
      second.child.kill('SIGTERM');
      expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
      expect(await alertQueue()).toEqual({ ready: 0, consumers: 0 });

      // Each envelope claimed once, although storedNotAcked of them were delivered twice.
      expect(await claimed(envelopeIds)).toBe(MESSAGES);
      const rows = (
        await db.query('SELECT tenant_id, id, occurrences FROM vigil_alert.alerts WHERE tenant_id = ANY($1)', [TENANTS])
      ).rows as { tenant_id: string; id: string; occurrences: number }[];
      expect(new Map(rows.map((r) => [`${r.tenant_id}/${r.id}`, r.occurrences]))).toEqual(expected);
      expect(await persisted()).toBe(ALERTS);
      const created = (await db.query("SELECT COUNT(*) AS n FROM vigil_alert.alert_events WHERE kind = 'created'"))
        .rows[0].n;
      expect(Number(created)).toBe(expected.size);
      process.stderr.write(
        `alert crash: ${storedAtKill} of ${MESSAGES} messages stored at the kill, ${acked} acked, ${storedNotAcked} stored and delivered again\n`,
      );
    }, 300_000);
  });
