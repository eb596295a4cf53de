// Crash safety of the ingest batches (distributed mode): the alert service as its own process,
// SIGKILLed in the middle of 20,000 alerts, then started again. Every accepted alert must be stored
// exactly once: occurrence counts exact, one `created` each.
// The child is the built entry point an operator runs (dist/apps/alert/src/main.js), on a
// messaging namespace of its own (BUS_NAMESPACE): with the default one, any other Vigil on this
// RabbitMQ (another test run) would share the `vigil.alert` queue and take some of the messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import { alertIdOf, RoutingKeys, type ReceivedAlert } from '@vigil/contracts';
import { VigilBusClient, type MessageBroker } from '@vigil/messaging';
import {
  AMQP_URL,
  createTestBroker,
  freshPostgresDatabase,
  removeNamespace,
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
const TENANTS = Array.from({ length: 5 }, () => `crash-${randomBytes(4).toString('hex')}`);

const NAMESPACE = uniqueNamespace('crash');
function startAlertProcess(databaseUrl: string): { child: ChildProcess; output: () => string } {
  const entry = path.join(root, 'dist/apps/alert/src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (node scripts/build.mjs)`);
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      AMQP_URL,
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

async function publishAll(
  client: VigilBusClient,
  messages: { tenantId: string; alerts: ReceivedAlert[] }[],
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        await client.publish(RoutingKeys.IngestAlertsReceived, {
          tenantId: message.tenantId,
          payload: { source: 'alertmanager', alerts: message.alerts },
        });
      }
    }),
  );
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
      try {
        const { messages, expected } = workload(40_000);
        await publishAll(h.client, messages);
        await waitFor(() => (persisted() >= 500 ? true : undefined), { what: 'some alerts stored' });
        await h.stop(h.service);
        expect(persisted()).toBeLessThan(40_000);
        await h.start();
        await waitFor(() => (persisted() >= 40_000 ? true : undefined), {
          what: 'every alert stored',
          timeoutMs: 60_000,
        });
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
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      database = await freshPostgresDatabase('crash');
      db = new pg.Client({ connectionString: database.url });
      await db.connect();
      broker = createTestBroker({ namespace: NAMESPACE });
      await broker.connect();
    });
    afterAll(async () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      if (broker) {
        await removeNamespace(broker, ['alert']);
        await broker.close();
      }
      await db?.end();
      await database?.drop();
    });

    const persisted = async () =>
      Number((await db.query('SELECT COALESCE(SUM(occurrences), 0) AS n FROM vigil_alert.alerts')).rows[0].n);

    it('stores every accepted alert exactly once across a SIGKILL mid-run', async () => {
      const first = startAlertProcess(database.url);
      children.push(first.child);
      await started(first);

      const { messages, expected } = workload(ALERTS);
      await publishAll(new VigilBusClient(broker, { service: 'gateway' }), messages);

      // Kill it while batches are being written.
      await waitFor(async () => ((await persisted()) >= 2_000 ? true : undefined), {
        what: 'some alerts stored',
        timeoutMs: 60_000,
      });
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      const atKill = await persisted();
      expect(atKill).toBeLessThan(ALERTS);

      const second = startAlertProcess(database.url);
      children.push(second.child);
      await started(second);
      await waitFor(async () => ((await persisted()) >= ALERTS ? true : undefined), {
        what: 'every alert stored',
        timeoutMs: 120_000,
      });
      await new Promise((r) => setTimeout(r, 500));

      const rows = (
        await db.query('SELECT tenant_id, id, occurrences FROM vigil_alert.alerts WHERE tenant_id = ANY($1)', [TENANTS])
      ).rows as { tenant_id: string; id: string; occurrences: number }[];
      expect(new Map(rows.map((r) => [`${r.tenant_id}/${r.id}`, r.occurrences]))).toEqual(expected);
      expect(await persisted()).toBe(ALERTS);
      const created = (await db.query("SELECT COUNT(*) AS n FROM vigil_alert.alert_events WHERE kind = 'created'"))
        .rows[0].n;
      expect(Number(created)).toBe(expected.size);
      // The outbox left by the killed process is published by the restarted one's sweep.
      await waitFor(
        async () =>
          Number((await db.query('SELECT COUNT(*) AS n FROM vigil_alert.outbox')).rows[0].n) === 0 ? true : undefined,
        { what: 'outbox drained', timeoutMs: 30_000 },
      );

      second.child.kill('SIGTERM');
      expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
    }, 240_000);
  });
