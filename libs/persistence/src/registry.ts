import { access } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import {
  DATABASE_SERVICES,
  type DatabaseService,
  type DialectMigrations,
  type EntityDefinition,
  type ServicePersistence,
  isDatabaseService,
} from './types.js';

/** What an app writes in `apps/<service>/src/persistence.ts`: `export const persistence = definePersistence('alert', {...})`. */
export function definePersistence(
  service: DatabaseService,
  own: { readonly entities?: readonly EntityDefinition[]; readonly migrations?: Partial<DialectMigrations> } = {},
): ServicePersistence {
  return Object.freeze({
    service,
    entities: own.entities ?? [],
    migrations: { postgres: own.migrations?.postgres ?? [], sqlite: own.migrations?.sqlite ?? [] },
  });
}

/** The conventional place of a service's persistence module, relative to the apps directory. */
export function persistenceModulePath(appsDir: string, service: DatabaseService, extension: '.ts' | '.js'): string {
  return path.join(appsDir, service, 'src', `persistence${extension}`);
}

/**
 * Where the apps are, seen from this file: `apps/` beside `libs/` in the source tree (Jest, tsc)
 * and `dist/apps/` beside `dist/libs/` once built. Same layout, so one relative path serves both.
 */
export function defaultAppsDir(): { dir: string; extension: '.ts' | '.js' } {
  const here = fileURLToPath(import.meta.url);
  return { dir: path.resolve(path.dirname(here), '../../../apps'), extension: here.endsWith('.ts') ? '.ts' : '.js' };
}

function isServicePersistence(value: unknown, service: DatabaseService): value is ServicePersistence {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ServicePersistence>;
  return (
    candidate.service === service &&
    Array.isArray(candidate.entities) &&
    Array.isArray(candidate.migrations?.postgres) &&
    Array.isArray(candidate.migrations?.sqlite)
  );
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads `apps/<service>/src/persistence` (export `persistence`) for tools that run outside an app:
 * the migration CLI and the generator. A service that has no such module yet owns only the shared
 * tables. This is the one place where a lib reaches into apps, at run time and by convention only,
 * so the dependency graph of the code stays apps → libs.
 */
export async function loadServicePersistence(
  service: DatabaseService,
  apps = defaultAppsDir(),
): Promise<ServicePersistence> {
  if (!isDatabaseService(service))
    throw new Error(`"${String(service)}" has no database; services with one: ${DATABASE_SERVICES.join(', ')}`);
  const file = persistenceModulePath(apps.dir, service, apps.extension);
  if (!(await exists(file))) return definePersistence(service);
  const module = (await import(pathToFileURL(file).href)) as { persistence?: unknown };
  if (!isServicePersistence(module.persistence, service)) {
    throw new Error(`${file} must export \`persistence = definePersistence('${service}', { entities, migrations })\``);
  }
  return module.persistence;
}
