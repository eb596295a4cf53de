import { definePersistence } from '@vigil/persistence';
import { ApiKeyEntity } from './api-keys/api-key.entity.js';
import { AuditEntryEntity } from './audit/audit-entry.entity.js';
import { LoginAttemptEntity } from './auth/login-attempt.entity.js';
import { RefreshTokenEntity } from './auth/refresh-token.entity.js';
import { TeamEntity } from './teams/team.entity.js';
import { TenantEntity } from './tenants/tenant.entity.js';
import { UserEntity } from './users/user.entity.js';
import { CreateUserTables1795362481776 as CreateUserTablesPostgres } from './migrations/postgres/1795362481776-CreateUserTables.js';
import { CreateUserTables1795362481776 as CreateUserTablesSqlite } from './migrations/sqlite/1795362481776-CreateUserTables.js';
import { UserRetentionIndexes1796222509363 as RetentionIndexesPostgres } from './migrations/postgres/1796222509363-UserRetentionIndexes.js';
import { UserRetentionIndexes1796222509363 as RetentionIndexesSqlite } from './migrations/sqlite/1796222509363-UserRetentionIndexes.js';
import { TenantRowSecurity1796231700001 } from './migrations/postgres/1796231700001-TenantRowSecurity.js';

export const USER_ENTITIES = [
  TenantEntity,
  UserEntity,
  TeamEntity,
  ApiKeyEntity,
  RefreshTokenEntity,
  AuditEntryEntity,
  LoginAttemptEntity,
] as const;

/**
 * The tables the user service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence. Tenant tables (row-level security on
 * PostgreSQL, see the migration): users, teams, api_keys, refresh_tokens, audit_log. Platform tables:
 * tenants (readable by the tenant role), login_attempts (keyed by a hash of an email or address).
 */
export const persistence = definePersistence('user', {
  entities: [...USER_ENTITIES],
  migrations: {
    postgres: [CreateUserTablesPostgres, RetentionIndexesPostgres, TenantRowSecurity1796231700001],
    sqlite: [CreateUserTablesSqlite, RetentionIndexesSqlite],
  },
});
