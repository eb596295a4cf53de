import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { PersistenceConfig } from '@vigil/persistence';
import { DIALECT, freshPostgresDatabase, scratchDirectory, uniqueSuffix, type FreshDatabase } from './environment.js';

export interface ScratchDatabase {
  /** The database of the mode under test: a new PostgreSQL database, or SQLite files in a new directory. */
  readonly config: PersistenceConfig;
  /** A schema name of its own per call (PostgreSQL isolation within the database). */
  schema(label: string): string;
  /** Persistence of its own: a schema (PostgreSQL) or a data directory (SQLite). */
  isolated(label: string): { readonly config: PersistenceConfig; readonly schemaName: string };
  /** Drops the database and removes the directory. */
  cleanup(): Promise<void>;
}

/** For suites of the persistence layer itself, which open data sources without starting a service. */
export async function scratchDatabase(poolSize = 4): Promise<ScratchDatabase> {
  const dir = scratchDirectory('persistence');
  const database: FreshDatabase | undefined =
    DIALECT === 'postgres' ? await freshPostgresDatabase('persistence') : undefined;
  const run = uniqueSuffix();
  const config: PersistenceConfig = { DATABASE_URL: database?.url, VIGIL_DATA_DIR: dir.path, DB_POOL_SIZE: poolSize };
  const schema = (label: string) => `vigil_t${run}_${label.replace(/-/g, '_')}`;
  return {
    config,
    schema,
    isolated(label) {
      const schemaName = schema(label);
      return { config: { ...config, VIGIL_DATA_DIR: path.join(dir.path, schemaName) }, schemaName };
    },
    async cleanup() {
      dir.remove();
      await database?.drop();
    },
  };
}

/** Table names of the data source's own schema (PostgreSQL) or file (SQLite). */
export async function tablesOf(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    dataSource.options.type === 'postgres'
      ? await dataSource.query(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
        )
      : await dataSource.query(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
        );
  return rows.map((row) => row.name);
}
