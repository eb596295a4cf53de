// Every service's committed migrations against its entities, in the dialect of VIGIL_TEST_MODE: the
// composition of all services lives in this app, so the suite that needs all of them does too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  DATABASE_SERVICES,
  SHARED_MIGRATIONS,
  migrateServices,
  openDataSource,
  persistenceOf,
  runMigrations,
  schemaDiff,
  schemaNameOf,
} from '@vigil/persistence';
import { ALL_PERSISTENCE } from '../src/persistence.js';
import { DIALECT, scratchDatabase, tablesOf, type ScratchDatabase } from '@vigil/testing';

describe(`migrations (${DIALECT})`, () => {
  let env: ScratchDatabase;
  const open: DataSource[] = [];

  beforeAll(async () => {
    env = await scratchDatabase();
  });
  afterEach(async () => {
    for (const dataSource of open.splice(0)) if (dataSource.isInitialized) await dataSource.destroy();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  async function migrated(service: (typeof DATABASE_SERVICES)[number], label: string = service): Promise<DataSource> {
    const persistence = persistenceOf(ALL_PERSISTENCE, service);
    const dataSource = await openDataSource({ ...persistence, ...env.isolated(label), logging: false });
    open.push(dataSource);
    return dataSource;
  }

  it.each(DATABASE_SERVICES)(
    'leaves no difference between the committed migrations and the entities of %s',
    async (service) => {
      const dataSource = await migrated(service);
      const diff = await schemaDiff(dataSource);
      expect(diff.up.map((query) => query.query)).toEqual([]);
      expect(await tablesOf(dataSource)).toEqual(expect.arrayContaining(['inbox', 'migrations']));
    },
  );

  it('records every applied migration in the service schema and applies nothing twice', async () => {
    const dataSource = await migrated('history', 'history-again');
    const executed: { name: string }[] = await dataSource.query('SELECT name FROM migrations ORDER BY id');
    const own = persistenceOf(ALL_PERSISTENCE, 'history').migrations[DIALECT];
    // In the order of their timestamps, the shared ones and the service's own interleaved.
    const stamp = (name: string) => Number(/(\d{13})$/.exec(name)![1]);
    expect(executed.map((row) => row.name)).toEqual(
      [...SHARED_MIGRATIONS[DIALECT], ...own]
        .map((migration) => new migration().name ?? migration.name)
        .sort((a, b) => stamp(a) - stamp(b)),
    );
    expect(await runMigrations(dataSource)).toEqual([]);
  });

  it('reverts the migrations with their down() and re-applies them', async () => {
    const dataSource = await migrated('notification', 'notification-down');
    const all =
      SHARED_MIGRATIONS[DIALECT].length + persistenceOf(ALL_PERSISTENCE, 'notification').migrations[DIALECT].length;
    for (let i = 0; i < all; i++) await dataSource.undoLastMigration({ transaction: 'all' });
    expect(await tablesOf(dataSource)).not.toContain('inbox');
    expect(await runMigrations(dataSource)).toHaveLength(all);
    expect((await schemaDiff(dataSource)).up).toEqual([]);
  });

  it('creates no table by itself when migrations are off (synchronize is never on)', async () => {
    const persistence = persistenceOf(ALL_PERSISTENCE, 'alert');
    const dataSource = await openDataSource({
      ...persistence,
      ...env.isolated('no-migrate'),
      migrate: false,
      logging: false,
    });
    open.push(dataSource);
    expect(await tablesOf(dataSource)).not.toContain('inbox');
    expect((await schemaDiff(dataSource)).up.length).toBeGreaterThan(0);
  });

  if (DIALECT === 'postgres') {
    it('creates the schema vigil_<service> and keeps the migrations table in it', async () => {
      // the real schema names, in the test database: what `npm run migrate` does for every service
      const reports = await migrateServices(DATABASE_SERVICES, env.config, ALL_PERSISTENCE);
      expect(reports.map((report) => report.service)).toEqual([...DATABASE_SERVICES]);
      const dataSource = await openDataSource({
        service: 'agent-runner',
        config: env.config,
        migrate: false,
        logging: false,
      });
      open.push(dataSource);
      const [row] = (await dataSource.query('SELECT current_schema() AS schema')) as { schema: string }[];
      expect(row!.schema).toBe('vigil_agent_runner');
      expect(schemaNameOf('agent-runner')).toBe('vigil_agent_runner');
      const tables: { table_schema: string; table_name: string }[] = await dataSource.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema LIKE 'vigil\\_%' AND table_name IN ('inbox', 'migrations') AND table_schema NOT LIKE 'vigil\\_t%' AND table_schema NOT LIKE 'vigil\\_scratch%'",
      );
      for (const service of DATABASE_SERVICES) {
        for (const table of ['inbox', 'migrations'])
          expect(tables).toContainEqual({ table_schema: schemaNameOf(service), table_name: table });
      }
      expect(tables.some((table) => table.table_schema === 'vigil_gateway')).toBe(false);
    });

    it('lets replicas migrate at the same time: one applies, the others wait and find nothing to do', async () => {
      const isolated = env.isolated('race');
      const replicas = await Promise.all(
        [1, 2, 3].map(() => openDataSource({ service: 'user', ...isolated, migrate: false, logging: false })),
      );
      open.push(...replicas);
      const applied = await Promise.all(replicas.map((replica) => runMigrations(replica)));
      expect(applied.map((names) => names.length).sort()).toEqual([0, 0, SHARED_MIGRATIONS.postgres.length]);
    });
  } else {
    it('keeps one SQLite file per service in VIGIL_DATA_DIR, in WAL mode with a busy timeout', async () => {
      const reports = await migrateServices(DATABASE_SERVICES, env.config, ALL_PERSISTENCE);
      for (const report of reports) {
        const own = persistenceOf(ALL_PERSISTENCE, report.service).migrations.sqlite.length;
        expect(report.applied).toHaveLength(SHARED_MIGRATIONS.sqlite.length + own);
      }
      for (const service of DATABASE_SERVICES)
        expect(existsSync(path.join(env.config.VIGIL_DATA_DIR, `${service}.sqlite`))).toBe(true);
      expect(existsSync(path.join(env.config.VIGIL_DATA_DIR, 'gateway.sqlite'))).toBe(false);
      const dataSource = await openDataSource({ service: 'user', config: env.config, logging: false });
      open.push(dataSource);
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA busy_timeout')).toEqual([{ timeout: 5000 }]);
      expect(await dataSource.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    });

    it('creates a missing data directory', async () => {
      const nested = { ...env.config, VIGIL_DATA_DIR: path.join(env.config.VIGIL_DATA_DIR, 'a', 'b') };
      const dataSource = await openDataSource({ service: 'history', config: nested, logging: false });
      open.push(dataSource);
      expect(existsSync(path.join(nested.VIGIL_DATA_DIR, 'history.sqlite'))).toBe(true);
    });
  }
});
