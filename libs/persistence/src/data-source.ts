import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { DataSource, MigrationExecutor, type DataSourceOptions, type Logger, type LoggerOptions } from 'typeorm';
import { SHARED_ENTITIES, SHARED_MIGRATIONS } from './migrations/index.js';
import { assertSchemaName, dialectFor, schemaNameOf, sqliteFileOf } from './naming.js';
import { applyPortableColumnTypes } from './portable-types.js';
import type { DatabaseService, Dialect, DialectMigrations, EntityDefinition, PersistenceConfig } from './types.js';

export interface CreateDataSourceOptions {
  readonly service: DatabaseService;
  /** The service's own entities; the shared ones (InboxEntry) are always added. */
  readonly entities?: readonly EntityDefinition[];
  /** The service's own migrations per dialect; the shared ones always run first (by timestamp). */
  readonly migrations?: Partial<DialectMigrations>;
  readonly config: PersistenceConfig;
  /** PostgreSQL schema; default `vigil_<service>`. Tests and the migration generator use scratch schemas. */
  readonly schemaName?: string;
  /** For tests only: production code never synchronises, it migrates. */
  readonly synchronize?: boolean;
  readonly logging?: LoggerOptions;
  readonly logger?: Logger;
}

export interface OpenDataSourceOptions extends CreateDataSourceOptions {
  /** Run pending migrations once connected (default true). The Kubernetes migration Job sets it in the CLI. */
  readonly migrate?: boolean;
}

const MIGRATIONS_TABLE = 'migrations';
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const PG_CONNECT_TIMEOUT_MS = 10_000;
const PG_IDLE_TIMEOUT_MS = 30_000;
/** `DB_STATEMENT_TIMEOUT_MS` when the configuration leaves it out. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

interface SqliteConnection {
  pragma(source: string): unknown;
}

/**
 * Builds (does not connect) the DataSource of a service: PostgreSQL when DATABASE_URL is set, with
 * every connection's `search_path` pinned to the service's schema (so migrations carry no schema
 * name and the migrations table lives in that schema), else `${VIGIL_DATA_DIR}/<service>.sqlite`
 * in WAL mode with a busy timeout. `synchronize` is never on unless a test asks for it.
 */
export function createDataSource(options: CreateDataSourceOptions): DataSource {
  const dialect = dialectFor(options.config);
  const common = {
    entities: [...SHARED_ENTITIES, ...(options.entities ?? [])],
    migrations: [...SHARED_MIGRATIONS[dialect], ...(options.migrations?.[dialect] ?? [])],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'all' as const,
    migrationsRun: false,
    synchronize: options.synchronize ?? false,
    logging: options.logging ?? ['error', 'warn', 'migration'],
    ...(options.logger ? { logger: options.logger } : {}),
  };

  let dataSourceOptions: DataSourceOptions;
  if (dialect === 'postgres') {
    const schema = assertSchemaName(options.schemaName ?? schemaNameOf(options.service));
    dataSourceOptions = {
      ...common,
      type: 'postgres',
      url: options.config.DATABASE_URL,
      schema,
      poolSize: options.config.DB_POOL_SIZE,
      applicationName: `vigil-${options.service}`,
      connectTimeoutMS: PG_CONNECT_TIMEOUT_MS,
      // node-postgres passes `options` to the server at connect time: the schema is the search path,
      // and no statement (a query gone wrong, a lock waited on) holds a connection past the timeout.
      extra: {
        options: `-c search_path=${schema} -c statement_timeout=${statementTimeoutOf(options.config)}`,
        idleTimeoutMillis: PG_IDLE_TIMEOUT_MS,
      },
    };
  } else {
    dataSourceOptions = {
      ...common,
      type: 'better-sqlite3',
      database: sqliteFileOf(options.service, options.config.VIGIL_DATA_DIR),
      enableWAL: true,
      timeout: SQLITE_BUSY_TIMEOUT_MS,
      prepareDatabase: (db: SqliteConnection) => {
        // WAL + NORMAL is durable across application crashes and much faster than FULL.
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  const dataSource = new DataSource(dataSourceOptions);
  applyPortableColumnTypes(dataSource);
  return dataSource;
}

function statementTimeoutOf(config: PersistenceConfig): number {
  const ms = config.DB_STATEMENT_TIMEOUT_MS ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isInteger(ms) || ms < 0)
    throw new TypeError(`DB_STATEMENT_TIMEOUT_MS must be a non-negative integer (milliseconds) (got ${String(ms)})`);
  return ms;
}

export function dialectOf(dataSource: DataSource): Dialect {
  const type = dataSource.options.type;
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3') return 'sqlite';
  throw new Error(`Unsupported database type "${type}"`);
}

/** The PostgreSQL schema a data source works in (undefined on SQLite). */
export function schemaOf(dataSource: DataSource): string | undefined {
  return dataSource.options.type === 'postgres' ? dataSource.options.schema : undefined;
}

interface PgTarget {
  readonly url: string;
  readonly schema: string;
}

function pgTargetOf(dataSource: DataSource): PgTarget | undefined {
  const { options } = dataSource;
  if (options.type !== 'postgres') return undefined;
  if (!options.url || !options.schema) throw new Error('A Vigil PostgreSQL data source needs a url and a schema');
  return { url: options.url, schema: options.schema };
}

/** Runs `fn` on a short-lived connection of its own, outside the data source's pool. */
async function withPgClient<T>(target: PgTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: target.url,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    application_name: 'vigil-migrations',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function ensureSchema(client: pg.Client, schema: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount) return; // no CREATE privilege is needed once the schema exists
  // Replicas starting together would race on CREATE SCHEMA IF NOT EXISTS: serialise them.
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`vigil:schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${assertSchemaName(schema)}"`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

/**
 * Connects a data source from `createDataSource`: on PostgreSQL, creates the service's schema first
 * if it is missing (the connections' search_path must name an existing schema); on SQLite, creates
 * the data directory.
 */
export async function initializeDataSource(dataSource: DataSource): Promise<DataSource> {
  const target = pgTargetOf(dataSource);
  if (target) await withPgClient(target, (client) => ensureSchema(client, target.schema));
  else if (dataSource.options.type === 'better-sqlite3' && dataSource.options.database !== ':memory:') {
    await mkdir(path.dirname(dataSource.options.database), { recursive: true });
  }
  if (!dataSource.isInitialized) await dataSource.initialize();
  return dataSource;
}

/**
 * Runs the pending committed migrations, all in one transaction and with no statement timeout, and
 * returns their names. On PostgreSQL a session advisory lock per schema (taken on a separate
 * connection, so a pool of one still works) makes replicas and the migration Job wait for each
 * other instead of racing.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const target = pgTargetOf(dataSource);
  const run = async () => {
    const queryRunner = dataSource.createQueryRunner();
    try {
      // A migration may rewrite or index a big table: the statement timeout is for the service's queries.
      if (target) await queryRunner.query('SET statement_timeout = 0');
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'all';
      return (await executor.executePendingMigrations()).map((migration) => migration.name);
    } finally {
      if (target) await queryRunner.query('RESET statement_timeout').catch(() => undefined);
      await queryRunner.release();
    }
  };
  if (!target) return run();
  return withPgClient(target, async (client) => {
    const key = `vigil:migrations:${target.schema}`;
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await run();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  });
}

/** Create, connect and (unless `migrate: false`) migrate: what an app does at start-up. */
export async function openDataSource(options: OpenDataSourceOptions): Promise<DataSource> {
  const dataSource = createDataSource(options);
  try {
    await initializeDataSource(dataSource);
    if (options.migrate ?? true) await runMigrations(dataSource);
    return dataSource;
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    throw error;
  }
}
