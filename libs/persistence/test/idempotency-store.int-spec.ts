import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  InboxEntry,
  type IdempotencyStore,
  TypeOrmIdempotencyStore,
  markHandledIn,
  openDataSource,
} from '../src/index.js';
import { DIALECT, type Scratch, scratch } from './support.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe(`TypeOrmIdempotencyStore (${DIALECT})`, () => {
  let env: Scratch;
  let dataSource: DataSource;
  let store: TypeOrmIdempotencyStore;

  beforeAll(async () => {
    env = await scratch();
    dataSource = await openDataSource({ service: 'notification', ...env.isolated('inbox'), logging: false });
    store = new TypeOrmIdempotencyStore(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await env.cleanup();
  });

  it('satisfies the IdempotencyStore shape messaging expects', async () => {
    const asInterface: IdempotencyStore = store;
    const id = randomUUID();
    expect(await asInterface.isHandled('notification.alert-created', id)).toBe(false);
    await asInterface.markHandled('notification.alert-created', id);
    expect(await asInterface.isHandled('notification.alert-created', id)).toBe(true);
  });

  it('keys on consumer and envelope id together', async () => {
    const id = randomUUID();
    await store.markHandled('consumer-a', id);
    expect(await store.isHandled('consumer-a', id)).toBe(true);
    expect(await store.isHandled('consumer-b', id)).toBe(false);
    expect(await store.isHandled('consumer-a', randomUUID())).toBe(false);
  });

  it('accepts a redelivery: marking twice is not an error', async () => {
    const id = randomUUID();
    await store.markHandled('twice', id);
    await expect(store.markHandled('twice', id)).resolves.toBeUndefined();
    expect(await dataSource.getRepository(InboxEntry).countBy({ consumer: 'twice', envelopeId: id })).toBe(1);
  });

  it('records inside the handler transaction: rolled back with it, committed with it', async () => {
    const rolledBack = randomUUID();
    await expect(
      dataSource.transaction(async (manager) => {
        expect(await markHandledIn(manager, 'tx', rolledBack)).toBe(true);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await store.isHandled('tx', rolledBack)).toBe(false);

    const committed = randomUUID();
    const claims = await dataSource.transaction(async (manager) => [
      await store.markHandledIn(manager, 'tx', committed),
      await store.markHandledIn(manager, 'tx', committed),
    ]);
    expect(claims).toEqual([true, false]);
    expect(await store.isHandled('tx', committed)).toBe(true);
    expect(await dataSource.transaction((manager) => markHandledIn(manager, 'tx', committed))).toBe(false);
  });

  it('keeps handled_at as the instant it was given', async () => {
    const id = randomUUID();
    const at = new Date('2031-05-06T07:08:09.123Z');
    await markHandledIn(dataSource.manager, 'clock', id, at);
    const entry = await dataSource.getRepository(InboxEntry).findOneByOrFail({ consumer: 'clock', envelopeId: id });
    expect(entry.handledAt).toBeInstanceOf(Date);
    expect(entry.handledAt.toISOString()).toBe(at.toISOString());
  });

  it('prunes only the entries older than the retention', async () => {
    const now = new Date('2030-01-31T12:00:00.000Z');
    const old = [randomUUID(), randomUUID()];
    const recent = randomUUID();
    for (const id of old) await markHandledIn(dataSource.manager, 'prune', id, new Date(now.getTime() - 8 * DAY_MS));
    await markHandledIn(dataSource.manager, 'prune', recent, new Date(now.getTime() - 6 * DAY_MS));
    // everything the other tests wrote is "now" (2020s) and thus older than 7 days before 2030
    const pruned = await store.prune(7, now);
    expect(pruned).toBeGreaterThanOrEqual(2);
    for (const id of old) expect(await store.isHandled('prune', id)).toBe(false);
    expect(await store.isHandled('prune', recent)).toBe(true);
    expect(await store.prune(7, now)).toBe(0);
  });

  it('refuses ids that are not UUIDs and consumers out of bounds, in both dialects alike', async () => {
    await expect(store.markHandled('bad', 'not-a-uuid')).rejects.toThrow(
      'Inbox envelope id must be a UUID (got "not-a-uuid")',
    );
    await expect(store.isHandled('', randomUUID())).rejects.toThrow(/consumer must be 1 to 200 characters/);
    await expect(store.prune(-1)).rejects.toThrow(RangeError);
  });

  if (DIALECT === 'postgres') {
    it('lets exactly one of two racing transactions claim an envelope', async () => {
      const id = randomUUID();
      let release!: () => void;
      const firstHolds = new Promise<void>((resolve) => (release = resolve));
      const first = dataSource.transaction(async (manager) => {
        const claimed = await markHandledIn(manager, 'race', id);
        await firstHolds; // keep the row locked while the second one tries
        return claimed;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = dataSource.transaction((manager) => markHandledIn(manager, 'race', id));
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      expect(await Promise.all([first, second])).toEqual([true, false]);
    });
  }
});
