import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { openDataSource, runMigrations } from './data-source.js';
import { definePersistence, persistenceOf } from './registry.js';
import { type SchemaDiff, type SchemaQuery, renderMigration, schemaDiff } from './schema-diff.js';
import {
  DATABASE_SERVICES,
  type DatabaseService,
  type Dialect,
  type PersistenceConfig,
  type ServicePersistence,
  isDatabaseService,
} from './types.js';

export interface MigrationReport {
  readonly service: DatabaseService;
  readonly applied: readonly string[];
}

/**
 * Which services a migration run covers: those named (comma- or space-separated, `all` = every one),
 * else every service with a database. The gateway has none and is skipped, not refused, so one
 * Job template can serve every app.
 */
export function servicesToMigrate(names: readonly string[]): DatabaseService[] {
  const requested = names
    .flatMap((name) => name.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== 'gateway');
  if (requested.length === 0 || requested.includes('all')) return [...DATABASE_SERVICES];
  const unknown = requested.filter((name) => !isDatabaseService(name));
  if (unknown.length)
    throw new Error(
      `Unknown service ${unknown.map((name) => `"${name}"`).join(', ')}; services with a database: ${DATABASE_SERVICES.join(', ')}`,
    );
  return [...new Set(requested as DatabaseService[])];
}

/** Migrates each service in turn (shared tables + the service's own, found in `catalog`), the work of `npm run migrate`. */
export async function migrateServices(
  services: readonly DatabaseService[],
  config: PersistenceConfig,
  catalog: readonly ServicePersistence[],
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const service of services) {
    const persistence = persistenceOf(catalog, service);
    const dataSource = await openDataSource({ ...persistence, config, migrate: false, logging: ['error'] });
    try {
      reports.push({ service, applied: await runMigrations(dataSource) });
    } finally {
      await dataSource.destroy();
    }
  }
  return reports;
}

export type MigrationTarget = DatabaseService | 'shared';

export interface GenerateOptions {
  readonly target: MigrationTarget;
  readonly name: string;
  readonly dialects: readonly Dialect[];
  /** Needed for the postgres dialect: a server to diff against (a scratch schema is created and dropped). */
  readonly databaseUrl?: string;
  /** Repository root: files go to `libs/persistence/src/migrations/<dialect>/` or `apps/<service>/src/migrations/<dialect>/`. */
  readonly rootDir: string;
  readonly timestamp?: number;
  /** Compute and report only, write nothing. */
  readonly dryRun?: boolean;
  /** The persistence of every service, handed over by the apps (the target's is looked up in it). */
  readonly catalog: readonly ServicePersistence[];
}

export interface GeneratedMigration {
  readonly dialect: Dialect;
  /** Absolute path of the file written (or that would be written); undefined when there is no change. */
  readonly file?: string;
  readonly className?: string;
  readonly diff: SchemaDiff;
}

export function migrationsDirOf(rootDir: string, target: MigrationTarget, dialect: Dialect): string {
  return target === 'shared'
    ? path.join(rootDir, 'libs', 'persistence', 'src', 'migrations', dialect)
    : path.join(rootDir, 'apps', target, 'src', 'migrations', dialect);
}

/**
 * Runs the committed migrations of the target on a scratch database (a temporary SQLite file, a
 * temporary PostgreSQL schema), then diffs it against the entities: the difference is the new migration.
 */
export async function diffAgainstMigrations(
  persistence: ServicePersistence,
  dialect: Dialect,
  databaseUrl?: string,
): Promise<SchemaDiff> {
  if (dialect === 'postgres' && !databaseUrl)
    throw new Error('DATABASE_URL must point at a PostgreSQL server to diff the postgres dialect');
  const scratchDir = await mkdtemp(path.join(tmpdir(), 'vigil-migration-'));
  const schemaName = `vigil_scratch_${randomBytes(6).toString('hex')}`;
  let dataSource: DataSource | undefined;
  try {
    dataSource = await openDataSource({
      ...persistence,
      config: {
        DATABASE_URL: dialect === 'postgres' ? databaseUrl : undefined,
        VIGIL_DATA_DIR: scratchDir,
        DB_POOL_SIZE: 2,
      },
      schemaName,
      logging: false,
    });
    const diff = await schemaDiff(dataSource);
    // TypeORM qualifies a few statements (DROP INDEX) with the schema: committed migrations must
    // not name one, the search_path of each connection decides.
    const unqualify = (query: SchemaQuery): SchemaQuery => ({
      ...query,
      query: query.query.split(`"${schemaName}".`).join(''),
    });
    return { up: diff.up.map(unqualify), down: diff.down.map(unqualify) };
  } finally {
    if (dataSource?.isInitialized) {
      if (dialect === 'postgres') await dataSource.query(`DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
      await dataSource.destroy();
    }
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** The work of `npm run migration:generate -- <service|shared> <Name>`. */
export async function generateMigrations(options: GenerateOptions): Promise<GeneratedMigration[]> {
  const persistence =
    options.target === 'shared'
      ? definePersistence(DATABASE_SERVICES[0])
      : persistenceOf(options.catalog, options.target);
  const timestamp = options.timestamp ?? Date.now();
  const results: GeneratedMigration[] = [];
  for (const dialect of options.dialects) {
    const diff = await diffAgainstMigrations(persistence, dialect, options.databaseUrl);
    if (diff.up.length === 0) {
      results.push({ dialect, diff });
      continue;
    }
    const rendered = renderMigration(options.name, timestamp, diff);
    const dir = migrationsDirOf(options.rootDir, options.target, dialect);
    const file = path.join(dir, rendered.fileName);
    if (!options.dryRun) {
      await mkdir(dir, { recursive: true });
      await writeFile(file, rendered.source, { flag: 'wx' });
    }
    results.push({ dialect, file, className: rendered.className, diff });
  }
  return results;
}
