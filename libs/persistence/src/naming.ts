import path from 'node:path';
import type { DatabaseService, Dialect, PersistenceConfig } from './types.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL schema of a service: `vigil_user`, `vigil_agent_runner`, ... */
export function schemaNameOf(service: DatabaseService): string {
  return `vigil_${service.replace(/-/g, '_')}`;
}

/** Schema names end up in `search_path` and in DDL: only plain lower-case identifiers are accepted. */
export function assertSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name))
    throw new Error(`Invalid PostgreSQL schema name "${name}": use lower-case letters, digits and _`);
  return name;
}

/** SQLite file of a service: `${VIGIL_DATA_DIR}/<service>.sqlite`, absolute. */
export function sqliteFileOf(service: DatabaseService, dataDir: string): string {
  return path.resolve(dataDir, `${service}.sqlite`);
}

export function dialectFor(config: Pick<PersistenceConfig, 'DATABASE_URL'>): Dialect {
  return config.DATABASE_URL ? 'postgres' : 'sqlite';
}
