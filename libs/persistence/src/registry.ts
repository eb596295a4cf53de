import {
  DATABASE_SERVICES,
  type DatabaseService,
  type DialectMigrations,
  type EntityDefinition,
  type ServicePersistence,
  isDatabaseService,
} from './types.js';

/** What an app writes in its `persistence.ts`: `export const persistence = definePersistence('alert', {...})`. */
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

/**
 * The persistence of `service` among those the apps hand over (the tools that run outside an app,
 * such as the migration CLI, get the list from the composition of all services). A service absent
 * from the list owns only the shared tables.
 */
export function persistenceOf(catalog: readonly ServicePersistence[], service: DatabaseService): ServicePersistence {
  if (!isDatabaseService(service))
    throw new Error(`"${String(service)}" has no database; services with one: ${DATABASE_SERVICES.join(', ')}`);
  return catalog.find((persistence) => persistence.service === service) ?? definePersistence(service);
}
