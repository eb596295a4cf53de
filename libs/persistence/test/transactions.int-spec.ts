// The reliable-messaging unit on a real database (SQLite or PostgreSQL, per VIGIL_TEST_MODE): the
// inbox claim, the handler's writes and its outbox rows commit together or not at all, a
// redelivery changes nothing, and the relay publishes only what committed.
import { randomUUID } from 'node:crypto';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { createEnvelope, RoutingKeys, type AlertSnapshot, type Envelope } from '@vigil/contracts';
import { DIALECT, quietLogger, scratchDatabase, waitFor, type ScratchDatabase } from '@vigil/testing';
import {
  DUPLICATE,
  OutboxEntry,
  Transactions,
  laneOf,
  openDataSource,
  tenantRowLevelSecuritySql,
  type Tx,
} from '../src/index.js';

@Entity({ name: 'widgets' })
class Widget {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'id', type: 'varchar', length: 64 })
  id!: string;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;
}

interface Published {
  routingKey: string;
  envelope: Envelope<Record<string, unknown>>;
}

/** A broker port that records what it is given, and can be switched off. */
class RecordingBroker {
  readonly published: Published[] = [];
  down = false;
  /** While set, publishes wait for it (a broker slow to confirm). */
  gate: Promise<void> | undefined;
  /** Publishes started, confirmed or not. */
  started = 0;
  async publish(routingKey: string, body: Buffer): Promise<void> {
    if (this.down) throw new Error('broker unavailable');
    this.started++;
    await this.gate;
    this.published.push({ routingKey, envelope: JSON.parse(body.toString('utf8')) as Published['envelope'] });
  }
}

const created = (tenantId: string, name: string) =>
  createEnvelope({ type: RoutingKeys.AlertCreated, tenantId, payload: { name } });

const snapshot = (name: string): AlertSnapshot => ({
  alertId: randomUUID(),
  fingerprint: name,
  alertType: 'widget',
  severity: 'info',
  status: 'triggered',
  labels: {},
  occurrences: 1,
  silenced: false,
  startedAt: '2030-01-01T00:00:00.000000Z',
  lastSeenAt: '2030-01-01T00:00:00.000000Z',
});

/** What a widget consumer does: store the widget, announce it. */
async function storeWidget(tx: Tx, envelope: Envelope<object>): Promise<string> {
  const name = (envelope.payload as { name: string }).name;
  await tx.sql.run('INSERT INTO widgets (tenant_id, id, name) VALUES (?, ?, ?)', [tx.tenantId, randomUUID(), name]);
  tx.emit(RoutingKeys.AlertEscalated, { alert: snapshot(name), level: 1, reason: name });
  return name;
}

describe(`Transactions (${DIALECT})`, () => {
  let db: ScratchDatabase;
  let dataSource: DataSource;
  let broker: RecordingBroker;
  let transactions: Transactions;

  const widgets = async (tenantId?: string): Promise<string[]> => {
    const rows = await transactions.asPlatform(({ sql }) =>
      tenantId === undefined
        ? sql.query<{ name: string }>('SELECT name FROM widgets ORDER BY name')
        : sql.query<{ name: string }>('SELECT name FROM widgets WHERE tenant_id = ? ORDER BY name', [tenantId]),
    );
    return rows.map((row) => row.name);
  };
  const count = async (table: 'inbox' | 'outbox'): Promise<number> =>
    Number((await transactions.asPlatform(({ sql }) => sql.query(`SELECT COUNT(*) AS n FROM ${table}`)))[0]!['n']);

  beforeAll(async () => {
    db = await scratchDatabase();
    dataSource = await openDataSource({
      service: 'history',
      entities: [OutboxEntry, Widget],
      ...db.isolated('transactions'),
      synchronize: true,
      migrate: false,
      logging: false,
    });
    if (DIALECT === 'postgres')
      for (const statement of tenantRowLevelSecuritySql({
        tenantTables: ['widgets', 'outbox'],
        platformTables: ['inbox'],
      }))
        await dataSource.query(statement);
  });
  beforeEach(async () => {
    broker = new RecordingBroker();
    transactions = new Transactions(dataSource, {
      service: 'history',
      broker,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
    for (const table of ['widgets', 'inbox', 'outbox']) await dataSource.query(`DELETE FROM ${table}`);
  });
  afterEach(() => transactions.stop());
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.cleanup();
  });

  it('commits the claim, the handler writes and the outbox together; the relay publishes after the commit', async () => {
    const envelope = created('tenant-a', 'first');
    expect(await transactions.consume(envelope, (tx) => storeWidget(tx, envelope))).toBe('first');
    expect(await widgets()).toEqual(['first']);
    expect(await count('inbox')).toBe(1);
    await waitFor(() => broker.published.length === 1, { what: 'the outbox event published' });
    const [event] = broker.published;
    expect(event!.routingKey).toBe('alert.escalated');
    expect(event!.envelope).toMatchObject({
      type: 'alert.escalated',
      tenantId: 'tenant-a',
      correlationId: envelope.correlationId,
      payload: { reason: 'first' },
    });
    await waitFor(async () => (await count('outbox')) === 0, { what: 'the published row deleted' });
  });

  it('writes the events emitted before an insertAll with it, once', async () => {
    const envelope = created('tenant-a', 'together');
    await transactions.consume(envelope, async (tx) => {
      tx.emit(RoutingKeys.AlertCreated, { alert: snapshot('together') });
      await tx.sql.insertAll([
        {
          table: 'widgets',
          columns: [
            { name: 'tenant_id', pg: 'varchar' },
            { name: 'id', pg: 'varchar' },
            { name: 'name', pg: 'varchar' },
          ],
          rows: [[tx.tenantId, randomUUID(), 'together']],
        },
      ]);
    });
    expect(await widgets()).toEqual(['together']);
    await waitFor(() => broker.published.length === 1, { what: 'the event published' });
    await waitFor(async () => (await count('outbox')) === 0, { what: 'its row deleted' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(broker.published.map((p) => p.routingKey)).toEqual(['alert.created']);
  });

  it('runs a redelivered envelope once: the second copy is DUPLICATE and changes nothing', async () => {
    const envelope = created('tenant-a', 'once');
    let runs = 0;
    const work = (tx: Tx) => (runs++, storeWidget(tx, envelope));
    expect(await transactions.consume(envelope, work)).toBe('once');
    expect(await transactions.consume(envelope, work)).toBe(DUPLICATE);
    expect(runs).toBe(1);
    expect(await widgets()).toEqual(['once']);
    await waitFor(() => broker.published.length === 1, { what: 'one event' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(broker.published).toHaveLength(1);
  });

  it('keeps nothing of a handler that fails after writing: no claim, no rows, no event; the retry runs it once', async () => {
    const envelope = created('tenant-a', 'retried');
    await expect(
      transactions.consume(envelope, async (tx) => {
        await storeWidget(tx, envelope);
        throw new Error('crashed before the commit');
      }),
    ).rejects.toThrow('crashed before the commit');
    expect(await widgets()).toEqual([]);
    expect(await count('inbox')).toBe(0);
    expect(await count('outbox')).toBe(0);
    expect(broker.published).toEqual([]);

    expect(await transactions.consume(envelope, (tx) => storeWidget(tx, envelope))).toBe('retried');
    expect(await widgets()).toEqual(['retried']);
    await waitFor(() => broker.published.length === 1, { what: 'the retry published once' });
  });

  it('keeps committed events while the broker is down and publishes them with the sweep', async () => {
    broker.down = true;
    const envelope = created('tenant-a', 'later');
    await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
    await waitFor(async () => (await count('outbox')) === 1, { what: 'the row kept' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(broker.published).toEqual([]);
    broker.down = false;
    expect(await transactions.relay.sweep(0)).toBe(1);
    expect(broker.published.map((p) => p.envelope.payload['reason'])).toEqual(['later']);
    expect(await count('outbox')).toBe(0);
  });

  it('publishes an event once when sweeps run while the fast path still waits for the broker', async () => {
    let release!: () => void;
    broker.gate = new Promise((resolve) => (release = resolve));
    const envelope = created('tenant-a', 'slow');
    await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
    await waitFor(() => broker.started === 1, { what: 'the fast path publishing' });
    // This process's sweep, and on PostgreSQL another replica's, pass over the row being published.
    expect(await transactions.relay.sweep(0)).toBe(0);
    if (DIALECT === 'postgres') {
      const replica = new Transactions(dataSource, {
        service: 'history',
        broker,
        logger: quietLogger,
        outboxSweepMs: 60_000,
        inboxRetentionDays: 7,
      });
      try {
        expect(await replica.relay.sweep(0)).toBe(0);
      } finally {
        await replica.stop();
      }
    }
    expect(broker.started).toBe(1);
    release();
    await waitFor(async () => (await count('outbox')) === 0, { what: 'the published row deleted' });
    expect(broker.published.map((p) => p.envelope.payload['reason'])).toEqual(['slow']);
  });

  it('goes on committing while the broker does not confirm: the fast path holds a connection or two, not the pool', async () => {
    let release!: () => void;
    broker.gate = new Promise((resolve) => (release = resolve));
    // More units of work than the pool has connections (10), each with an event for the fast path.
    const commits = (async () => {
      for (let i = 0; i < 30; i++) {
        const envelope = created('tenant-a', `held-${i}`);
        await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
      }
      return 'committed';
    })();
    const stalled = new Promise<string>((resolve) => setTimeout(() => resolve('stalled'), 10_000).unref());
    expect(await Promise.race([commits, stalled])).toBe('committed');
    expect(await widgets('tenant-a')).toHaveLength(30);
    expect(await count('outbox')).toBe(30);
    expect(broker.published).toHaveLength(0);

    // Once the broker confirms, the records that waited go in the next runs: each published once.
    release();
    await waitFor(async () => (await count('outbox')) === 0, { what: 'the published rows deleted' });
    const reasons = broker.published.map((p) => p.envelope.payload['reason'] as string);
    expect(reasons.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `held-${i}`).sort());
  });

  it('holds no lock on the outbox while a sweep waits for the broker, and no other sweep takes its rows', async () => {
    let connected = false;
    const slow = Object.assign(new RecordingBroker(), { isConnected: () => connected });
    await transactions.stop();
    transactions = new Transactions(dataSource, {
      service: 'history',
      broker: slow,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
    for (const name of ['left-1', 'left-2']) {
      const envelope = created('tenant-a', name);
      await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
    }
    expect(await count('outbox')).toBe(2);
    connected = true;
    let release!: () => void;
    slow.gate = new Promise((resolve) => (release = resolve));
    const sweeping = transactions.relay.sweep(0);
    await waitFor(() => slow.started === 2, { what: 'the sweep publishing both rows' });

    // Another unit of work locks and writes the very rows being published, without waiting.
    let settled = false;
    const other = transactions
      .asPlatform(async ({ sql }) => {
        const locked = await sql.query(`SELECT id FROM outbox${DIALECT === 'postgres' ? ' FOR UPDATE NOWAIT' : ''}`);
        await sql.run('UPDATE outbox SET tenant_id = tenant_id');
        return locked.length;
      })
      .finally(() => (settled = true));
    await waitFor(() => settled, { what: 'a transaction on the outbox while the sweep publishes', timeoutMs: 5_000 });
    expect(await other).toBe(2);
    // A second sweep (on PostgreSQL another replica's) finds them claimed.
    const replica = new Transactions(dataSource, {
      service: 'history',
      broker: slow,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
    try {
      expect(await replica.relay.sweep(0)).toBe(0);
    } finally {
      await replica.stop();
    }
    expect(slow.started).toBe(2);

    release();
    expect(await sweeping).toBe(2);
    expect(await count('outbox')).toBe(0);
    expect(slow.published.map((p) => p.envelope.payload['reason']).sort()).toEqual(['left-1', 'left-2']);
  });

  it('hands rows whose publish failed back to the next sweep, at their age', async () => {
    broker.down = true;
    const envelope = created('tenant-a', 'refused');
    await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
    await transactions.relay.stop(); // the fast path's attempt over, the timer off; sweeps are called below
    const age = async () =>
      Number(
        (await transactions.asPlatform(({ sql }) => sql.query('SELECT created_at_us AS us FROM outbox')))[0]!['us'],
      );
    const before = await age();
    await expect(transactions.relay.sweep(0)).rejects.toThrow('broker unavailable');
    expect(await count('outbox')).toBe(1);
    expect(await age()).toBe(before);
    broker.down = false;
    expect(await transactions.relay.sweep(0)).toBe(1);
    expect(broker.published.map((p) => p.envelope.payload['reason'])).toEqual(['refused']);
    expect(await count('outbox')).toBe(0);
  });

  it('leaves events to the sweep while the broker is disconnected, holding nothing', async () => {
    const disconnected = Object.assign(new RecordingBroker(), { isConnected: () => false });
    await transactions.stop();
    transactions = new Transactions(dataSource, {
      service: 'history',
      broker: disconnected,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
    const envelope = created('tenant-a', 'away');
    await transactions.consume(envelope, (tx) => storeWidget(tx, envelope));
    expect(disconnected.started).toBe(0);
    expect(await count('outbox')).toBe(1);
    expect(await transactions.relay.sweep(0)).toBe(1);
    expect(disconnected.published.map((p) => p.envelope.payload['reason'])).toEqual(['away']);
  });

  it('batches envelopes of several tenants into one transaction, each tenant in its own scope', async () => {
    const seen: { tenantId: string; names: string[] }[] = [];
    const consumer = transactions.batched<{ name: string }, string>(
      { maxWeight: 100, maxDelayMs: 20 },
      async (tx, envelopes) => {
        seen.push({ tenantId: tx.tenantId, names: envelopes.map((e) => e.payload.name) });
        return Promise.all(envelopes.map((e) => storeWidget(tx, e)));
      },
    );
    const b1 = created('tenant-b', 'b1');
    const a1 = created('tenant-a', 'a1');
    const b2 = created('tenant-b', 'b2');
    const results = await Promise.all([b1, a1, b2, b1].map((e) => consumer.consume(e)));
    expect(results).toEqual(['b1', 'a1', 'b2', DUPLICATE]);
    // Tenants in a fixed order, the envelopes of each in arrival order.
    expect(seen).toEqual([
      { tenantId: 'tenant-a', names: ['a1'] },
      { tenantId: 'tenant-b', names: ['b1', 'b2'] },
    ]);
    expect(await widgets('tenant-b')).toEqual(['b1', 'b2']);
    expect(await consumer.consume(a1)).toBe(DUPLICATE);
    await waitFor(() => broker.published.length === 3, { what: 'three events' });
    expect(broker.published.map((p) => p.envelope.tenantId).sort()).toEqual(['tenant-a', 'tenant-b', 'tenant-b']);
  });

  it('fails a poison envelope alone: the rest of its batch is stored', async () => {
    const consumer = transactions.batched<{ name: string }, string>(
      { maxWeight: 100, maxDelayMs: 20 },
      async (tx, envelopes) => {
        if (envelopes.some((e) => e.payload.name === 'poison')) throw new Error('cannot store poison');
        return Promise.all(envelopes.map((e) => storeWidget(tx, e)));
      },
    );
    const settled = await Promise.allSettled(
      [created('tenant-a', 'good1'), created('tenant-a', 'poison'), created('tenant-a', 'good2')].map((e) =>
        consumer.consume(e),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await widgets()).toEqual(['good1', 'good2']);
    expect(await count('inbox')).toBe(2);
  });

  it('deletes inbox rows past their retention, and only those', async () => {
    const old = created('tenant-a', 'old');
    const recent = created('tenant-a', 'recent');
    await transactions.consume(old, async () => undefined);
    await transactions.consume(recent, async () => undefined);
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await dataSource.query(
      `UPDATE inbox SET handled_at = ${DIALECT === 'postgres' ? '$1' : '?'} WHERE envelope_id = ${DIALECT === 'postgres' ? '$2' : '?'}`,
      [DIALECT === 'postgres' ? eightDaysAgo : eightDaysAgo.toISOString().replace('T', ' ').replace('Z', ''), old.id],
    );
    expect(await transactions.pruneInbox()).toBe(1);
    expect(await transactions.consume(recent, async () => 'ran')).toBe(DUPLICATE);
    expect(await transactions.consume(old, async () => 'ran')).toBe('ran');
  });

  it('refuses an envelope id that is not a UUID, naming it', async () => {
    const envelope = { ...created('tenant-a', 'bad'), id: 'not-a-uuid' };
    await expect(transactions.consume(envelope, async () => undefined)).rejects.toThrow(
      'inbox envelope id must be a UUID (got "not-a-uuid")',
    );
  });

  if (DIALECT === 'postgres') {
    // SQLite has one connection: its transactions run one at a time, whatever the lanes.
    it('writes the lanes at the same time, each tenant always in its own lane and in order', async () => {
      const tenants = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e'];
      const first = tenants.find((t) => laneOf(t, 2) === 0)!;
      const second = tenants.find((t) => laneOf(t, 2) === 1)!;
      let secondStored!: () => void;
      const secondDone = new Promise<void>((resolve) => (secondStored = resolve));
      const order: string[] = [];
      const consumer = transactions.batched<{ name: string }, string>(
        { maxWeight: 1, maxDelayMs: 1, lanes: 2 },
        async (tx, envelopes) => {
          // The first lane's batch waits for the second lane's: with one lane this would never end.
          if (tx.tenantId === first && envelopes[0]!.payload.name === 'f1') await secondDone;
          const names = await Promise.all(envelopes.map((e) => storeWidget(tx, e)));
          order.push(...names);
          if (tx.tenantId === second) secondStored();
          return names;
        },
      );
      const results = await Promise.all(
        [created(first, 'f1'), created(first, 'f2'), created(second, 's1')].map((e) => consumer.consume(e)),
      );
      expect(results).toEqual(['f1', 'f2', 's1']);
      expect(order).toEqual(['s1', 'f1', 'f2']);
    });

    it('scopes the handler to the envelope tenant: another tenant is neither visible nor writable', async () => {
      await transactions.consume(created('tenant-b', 'theirs'), (tx) => storeWidget(tx, created('tenant-b', 'theirs')));
      const mine = created('tenant-a', 'mine');
      const visible = await transactions.consume(mine, async ({ sql }) => {
        const rows = await sql.query<{ name: string }>('SELECT name FROM widgets');
        return rows.map((row) => row.name);
      });
      expect(visible).toEqual([]);
      await expect(
        transactions.consume(created('tenant-a', 'forged'), ({ sql }) =>
          sql.run('INSERT INTO widgets (tenant_id, id, name) VALUES (?, ?, ?)', ['tenant-b', randomUUID(), 'forged']),
        ),
      ).rejects.toThrow(/row-level security/);
      expect(await widgets('tenant-b')).toEqual(['theirs']);
    });

    it('lets exactly one of two racing deliveries of an envelope run its handler', async () => {
      const envelope = created('tenant-a', 'raced');
      let runs = 0;
      const work = async (tx: Tx) => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 100)); // hold the claim while the other tries
        return storeWidget(tx, envelope);
      };
      const results = await Promise.all([transactions.consume(envelope, work), transactions.consume(envelope, work)]);
      expect(results.filter((r) => r === DUPLICATE)).toHaveLength(1);
      expect(runs).toBe(1);
      expect(await widgets()).toEqual(['raced']);
    });
  }

  it('says what is missing when a service without an outbox table emits', async () => {
    const bare = await openDataSource({
      service: 'notification',
      entities: [Widget],
      ...db.isolated('no-outbox'),
      synchronize: true,
      migrate: false,
      logging: false,
    });
    const without = new Transactions(bare, {
      service: 'notification',
      broker,
      logger: quietLogger,
      outboxSweepMs: 60_000,
      inboxRetentionDays: 7,
    });
    try {
      const envelope = created('tenant-a', 'nowhere');
      const emitOnly = async (tx: Tx) => tx.emit(RoutingKeys.AlertCreated, { alert: snapshot('nowhere') });
      await expect(without.consume(envelope, emitOnly)).rejects.toThrow(
        'notification has no outbox table: list OutboxEntry among its entities and create it in a migration',
      );
    } finally {
      await without.stop();
      await bare.destroy();
    }
  });
});
