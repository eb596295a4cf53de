// Shared by the integration suites: VIGIL_TEST_MODE picks the dialect ('embedded' → SQLite,
// 'distributed' → PostgreSQL at DATABASE_URL); every suite works in scratch schemas / directories.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { ensurePostgresDatabase, type Dialect, type PersistenceConfig } from '../src/index.js';

export const TEST_MODE = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';
export const DIALECT: Dialect = TEST_MODE === 'distributed' ? 'postgres' : 'sqlite';

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url)
    throw new Error(
      'VIGIL_TEST_MODE=distributed needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/vigil_test)',
    );
  return url;
}

/** Creates the test database (e.g. vigil_test) if it is missing. */
export async function ensureTestDatabase(): Promise<void> {
  if (DIALECT === 'postgres') await ensurePostgresDatabase(databaseUrl());
}

export interface Scratch {
  readonly config: PersistenceConfig;
  /** A schema name of its own per call, for PostgreSQL isolation. */
  schema(label: string): string;
  /** A database of its own: a scratch schema (PostgreSQL) or a scratch data directory (SQLite). */
  isolated(label: string): { readonly config: PersistenceConfig; readonly schemaName: string };
  /** Drops the schemas and removes the SQLite directory. */
  cleanup(): Promise<void>;
}

export async function scratch(poolSize = 4): Promise<Scratch> {
  await ensureTestDatabase();
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-persistence-'));
  const schemas: string[] = [];
  const run = randomBytes(4).toString('hex');
  const config: PersistenceConfig = {
    DATABASE_URL: DIALECT === 'postgres' ? databaseUrl() : undefined,
    VIGIL_DATA_DIR: dir,
    DB_POOL_SIZE: poolSize,
  };
  const schema = (label: string) => {
    const name = `vigil_t${run}_${label.replace(/-/g, '_')}`;
    schemas.push(name);
    return name;
  };
  return {
    config,
    schema,
    isolated(label) {
      const schemaName = schema(label);
      return { config: { ...config, VIGIL_DATA_DIR: path.join(dir, schemaName) }, schemaName };
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (DIALECT !== 'postgres' || schemas.length === 0) return;
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      try {
        for (const name of schemas) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
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
