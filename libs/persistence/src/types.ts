import type { ServiceName } from '@vigil/contracts';
import type { EntitySchema, MigrationInterface } from 'typeorm';

/** The services that own tables: every one but the gateway (docs/architecture.md, "Services"). */
export const DATABASE_SERVICES = [
  'user',
  'alert',
  'agent-runner',
  'history',
  'notification',
] as const satisfies readonly ServiceName[];
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

export function isDatabaseService(value: string): value is DatabaseService {
  return (DATABASE_SERVICES as readonly string[]).includes(value);
}

/** PostgreSQL when DATABASE_URL is set, else SQLite (better-sqlite3). */
export const DIALECTS = ['postgres', 'sqlite'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** An entity class (or an EntitySchema). */
export type EntityClass = abstract new (...args: never[]) => object;
export type EntityDefinition = EntityClass | EntitySchema;

/** A committed migration class: TypeORM instantiates it and orders by the 13-digit timestamp its name ends with. */
export type MigrationClass = new () => MigrationInterface;

/** The migrations of a service (or of the shared tables) for each dialect; both lists evolve together. */
export type DialectMigrations = Readonly<Record<Dialect, readonly MigrationClass[]>>;

/**
 * What a service declares about its own tables. Each app exports one from
 * `apps/<service>/src/persistence.ts` as `export const persistence = definePersistence(...)`; the
 * shared tables (the inbox) are added by this library, never listed by the app.
 */
export interface ServicePersistence {
  readonly service: DatabaseService;
  readonly entities: readonly EntityDefinition[];
  readonly migrations: DialectMigrations;
}

/** The configuration persistence reads; `CommonConfig` from @vigil/config satisfies it. */
export interface PersistenceConfig {
  /** postgres:// URL: PostgreSQL, one schema per service. Unset: one SQLite file per service. */
  readonly DATABASE_URL?: string;
  /** Directory of the SQLite files. */
  readonly VIGIL_DATA_DIR: string;
  /** PostgreSQL connections per process. */
  readonly DB_POOL_SIZE: number;
  /** PostgreSQL `statement_timeout` of every connection, in milliseconds (0: none); default 30 s. */
  readonly DB_STATEMENT_TIMEOUT_MS?: number;
}
