import { SERVICES } from '@vigil/contracts';
import path from 'node:path';
import type { MigrationInterface } from 'typeorm';
import {
  DATABASE_SERVICES,
  SHARED_MIGRATIONS,
  createDataSource,
  definePersistence,
  dialectFor,
  dialectOf,
  persistenceOf,
  renderMigration,
  schemaNameOf,
  schemaOf,
  servicesToMigrate,
  sqliteFileOf,
} from './index.js';
import { assertSchemaName } from './naming.js';
import { migrationsDirOf } from './tools.js';

class OwnMigration1900000000001 implements MigrationInterface {
  name = 'OwnMigration1900000000001';
  async up(): Promise<void> {}
  async down(): Promise<void> {}
}

const PG = { DATABASE_URL: 'postgres://vigil:secret@db:5432/vigil', VIGIL_DATA_DIR: './data', DB_POOL_SIZE: 7 };
const SQLITE = { VIGIL_DATA_DIR: '/var/lib/vigil', DB_POOL_SIZE: 7 };

describe('naming', () => {
  it('gives every service but the gateway a database', () => {
    expect([...DATABASE_SERVICES].sort()).toEqual(SERVICES.filter((service) => service !== 'gateway').sort());
  });

  it('names one schema per service and one SQLite file per service', () => {
    expect(DATABASE_SERVICES.map(schemaNameOf)).toEqual([
      'vigil_user',
      'vigil_alert',
      'vigil_agent_runner',
      'vigil_history',
      'vigil_notification',
    ]);
    expect(sqliteFileOf('agent-runner', '/srv/data')).toBe('/srv/data/agent-runner.sqlite');
    expect(sqliteFileOf('user', './data')).toBe(path.resolve('data/user.sqlite'));
  });

  it('picks PostgreSQL only when DATABASE_URL is set', () => {
    expect(dialectFor({ DATABASE_URL: PG.DATABASE_URL })).toBe('postgres');
    expect(dialectFor({})).toBe('sqlite');
    expect(dialectFor({ DATABASE_URL: '' })).toBe('sqlite');
  });

  it('accepts only plain identifiers as schema names', () => {
    expect(assertSchemaName('vigil_user')).toBe('vigil_user');
    for (const bad of ['Vigil', 'a-b', 'x";DROP SCHEMA public;--', '', '1abc'])
      expect(() => assertSchemaName(bad)).toThrow(/Invalid PostgreSQL schema name/);
  });
});

describe('createDataSource', () => {
  it('builds a PostgreSQL data source pinned to the service schema, never synchronising', () => {
    const dataSource = createDataSource({
      service: 'agent-runner',
      config: PG,
      migrations: { postgres: [OwnMigration1900000000001] },
    });
    expect(dataSource.isInitialized).toBe(false);
    expect(dialectOf(dataSource)).toBe('postgres');
    expect(schemaOf(dataSource)).toBe('vigil_agent_runner');
    expect(dataSource.options).toMatchObject({
      type: 'postgres',
      url: PG.DATABASE_URL,
      schema: 'vigil_agent_runner',
      poolSize: 7,
      applicationName: 'vigil-agent-runner',
      synchronize: false,
      migrationsRun: false,
      migrationsTableName: 'migrations',
      extra: { options: '-c search_path=vigil_agent_runner -c statement_timeout=30000' },
    });
    expect(dataSource.options.migrations).toEqual([...SHARED_MIGRATIONS.postgres, OwnMigration1900000000001]);
  });

  it('gives every PostgreSQL connection DB_STATEMENT_TIMEOUT_MS, and refuses a bad one naming it', () => {
    const dataSource = createDataSource({ service: 'user', config: { ...PG, DB_STATEMENT_TIMEOUT_MS: 1500 } });
    expect(dataSource.options).toMatchObject({
      extra: { options: '-c search_path=vigil_user -c statement_timeout=1500' },
    });
    expect(() => createDataSource({ service: 'user', config: { ...PG, DB_STATEMENT_TIMEOUT_MS: -1 } })).toThrow(
      'DB_STATEMENT_TIMEOUT_MS must be a non-negative integer (milliseconds) (got -1)',
    );
  });

  it('builds an SQLite data source per service file in WAL mode with a busy timeout', () => {
    const dataSource = createDataSource({
      service: 'history',
      config: SQLITE,
      migrations: { postgres: [OwnMigration1900000000001] },
    });
    expect(dialectOf(dataSource)).toBe('sqlite');
    expect(schemaOf(dataSource)).toBeUndefined();
    expect(dataSource.options).toMatchObject({
      type: 'better-sqlite3',
      database: '/var/lib/vigil/history.sqlite',
      enableWAL: true,
      timeout: 5000,
      synchronize: false,
    });
    expect(dataSource.options.migrations).toEqual([...SHARED_MIGRATIONS.sqlite]);
  });

  it('synchronises only when a test asks for it explicitly', () => {
    expect(createDataSource({ service: 'user', config: SQLITE, synchronize: true }).options.synchronize).toBe(true);
  });

  it('stores timestamps as timestamptz on PostgreSQL and datetime on SQLite', () => {
    const pg = createDataSource({ service: 'user', config: PG }).driver;
    expect(pg.normalizeType({ type: Date })).toBe('timestamp with time zone');
    expect(pg.normalizeType({ type: 'timestamp' })).toBe('timestamp with time zone');
    expect(pg.normalizeType({ type: 'varchar' })).toBe('character varying');
    expect(createDataSource({ service: 'user', config: SQLITE }).driver.normalizeType({ type: Date })).toBe('datetime');
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => createDataSource({ service: 'user', config: PG, schemaName: 'x; DROP' })).toThrow(
      /Invalid PostgreSQL schema name/,
    );
  });
});

describe('service registry', () => {
  it('fills the lists a service leaves out', () => {
    expect(definePersistence('alert', { migrations: { sqlite: [OwnMigration1900000000001] } })).toEqual({
      service: 'alert',
      entities: [],
      migrations: { postgres: [], sqlite: [OwnMigration1900000000001] },
    });
  });

  it('finds a service in the list the apps hand over, and gives one absent from it only the shared tables', () => {
    const alert = definePersistence('alert', { migrations: { postgres: [OwnMigration1900000000001] } });
    expect(persistenceOf([definePersistence('user'), alert], 'alert')).toBe(alert);
    expect(persistenceOf([alert], 'history')).toEqual(definePersistence('history'));
  });

  it('refuses the gateway, which has no database', () => {
    expect(() => persistenceOf([], 'gateway' as 'user')).toThrow(/"gateway" has no database/);
  });
});

describe('migrate CLI arguments', () => {
  it('migrates every service by default, or the ones named, skipping the gateway', () => {
    expect(servicesToMigrate([])).toEqual([...DATABASE_SERVICES]);
    expect(servicesToMigrate([''])).toEqual([...DATABASE_SERVICES]);
    expect(servicesToMigrate(['all'])).toEqual([...DATABASE_SERVICES]);
    expect(servicesToMigrate(['user,alert', 'alert'])).toEqual(['user', 'alert']);
    expect(servicesToMigrate(['gateway', 'history'])).toEqual(['history']);
    expect(() => servicesToMigrate(['users'])).toThrow('Unknown service "users"');
  });

  it('writes migrations beside the code that owns the tables', () => {
    expect(migrationsDirOf('/repo', 'shared', 'sqlite')).toBe('/repo/libs/persistence/src/migrations/sqlite');
    expect(migrationsDirOf('/repo', 'agent-runner', 'postgres')).toBe(
      '/repo/apps/agent-runner/src/migrations/postgres',
    );
  });
});

describe('renderMigration', () => {
  it('renders a TypeORM migration class with reversed down queries', () => {
    const rendered = renderMigration('CreateAlerts', 1_900_000_000_000, {
      up: [
        { query: 'CREATE TABLE "a" ("x" text DEFAULT \'`${y}`\')' },
        { query: 'INSERT INTO "a" VALUES ($1)', parameters: ['v'] },
      ],
      down: [{ query: 'DELETE FROM "a"' }, { query: 'DROP TABLE "a"' }],
    });
    expect(rendered.className).toBe('CreateAlerts1900000000000');
    expect(rendered.fileName).toBe('1900000000000-CreateAlerts.ts');
    expect(rendered.source).toContain("name = 'CreateAlerts1900000000000';");
    expect(rendered.source).toContain(
      'await queryRunner.query(`CREATE TABLE "a" ("x" text DEFAULT \'\\`\\${y}\\`\')`);',
    );
    expect(rendered.source).toContain('await queryRunner.query(`INSERT INTO "a" VALUES ($1)`, ["v"]);');
    expect(rendered.source.indexOf('DELETE FROM')).toBeLessThan(rendered.source.indexOf('DROP TABLE'));
  });

  it('rejects names and timestamps TypeORM could not order', () => {
    expect(() => renderMigration('create-alerts', 1_900_000_000_000, { up: [], down: [] })).toThrow(/PascalCase/);
    expect(() => renderMigration('CreateAlerts', 123, { up: [], down: [] })).toThrow(/13 digits/);
  });
});
