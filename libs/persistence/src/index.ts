// TypeORM's entity decorators and Nest's injection read decorator metadata: load the polyfill first.
import 'reflect-metadata';
export {
  DATABASE_SERVICES,
  DIALECTS,
  isDatabaseService,
  type DatabaseService,
  type Dialect,
  type DialectMigrations,
  type EntityClass,
  type EntityDefinition,
  type MigrationClass,
  type PersistenceConfig,
  type ServicePersistence,
} from './types.js';
export { schemaNameOf, sqliteFileOf, dialectFor } from './naming.js';
export {
  createDataSource,
  initializeDataSource,
  runMigrations,
  openDataSource,
  dialectOf,
  schemaOf,
  type CreateDataSourceOptions,
  type OpenDataSourceOptions,
} from './data-source.js';
export { definePersistence, persistenceOf } from './registry.js';
export { SHARED_ENTITIES, SHARED_MIGRATIONS } from './migrations/index.js';
export {
  schemaDiff,
  renderMigration,
  type SchemaDiff,
  type SchemaQuery,
  type RenderedMigration,
} from './schema-diff.js';
export {
  servicesToMigrate,
  migrateServices,
  generateMigrations,
  diffAgainstMigrations,
  type MigrationReport,
  type MigrationTarget,
  type GenerateOptions,
  type GeneratedMigration,
} from './tools.js';
export { InboxEntry } from './inbox/inbox-entry.entity.js';
export {
  sqlOf,
  insertStatements,
  chunks,
  placeholders,
  type Sql,
  type Row,
  type Column,
  type MultiRowInsert,
} from './sql.js';
export { OutboxEntry } from './reliable/outbox-entry.entity.js';
export { Batcher, type BatcherOptions } from './reliable/batcher.js';
export { OutboxRelay, type OutboxRecord } from './reliable/outbox.js';
export { ScheduledPurge } from './reliable/purge.js';
export {
  Transactions,
  DUPLICATE,
  laneOf,
  type Duplicate,
  type Tx,
  type PlatformTx,
  type EmitOptions,
  type EnvelopeSource,
  type BatchOptions,
  type BatchConsumer,
  type TransactionsOptions,
} from './reliable/transactions.js';
export { DatabaseHealthIndicator, DEFAULT_DATABASE_CHECK_TIMEOUT_MS } from './health/database-health.indicator.js';
export { isDatabaseUnavailable } from './health/database-unavailable.js';
export { isUniqueViolation } from './errors/unique-violation.js';
export { PersistenceModule, repositoriesFor, type PersistenceModuleOptions } from './persistence.module.js';
export { ensurePostgresDatabase } from './ensure-database.js';
export {
  PLATFORM_ROLE,
  SERVICE_ROLE,
  TENANT_ROLE,
  TENANT_SETTING,
  dropTenantRowLevelSecuritySql,
  runAsPlatform,
  runInTenant,
  runScoped,
  serviceRolesSql,
  type EnterTenant,
  tenantRowLevelSecuritySql,
  type TenantSecurityTables,
  type TenantWork,
} from './tenancy/index.js';
