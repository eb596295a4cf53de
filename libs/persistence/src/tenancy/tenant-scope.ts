import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Tenant scoping (docs/architecture.md, "Tenancy"). Every tenant-owned row carries `tenant_id`, and every query of a
 * tenant's data runs inside `runInTenant`. On PostgreSQL that transaction switches to a restricted
 * role and binds the tenant, so the row-level-security policies (see `tenantRowLevelSecuritySql`)
 * hide and refuse every other tenant's rows even if a query forgets its `where tenant_id = ...`.
 *
 * Work that deliberately spans tenants (sign-in by email, bootstrap, tenant creation, a credential
 * looked up by its prefix or hash) runs in `runAsPlatform`, named so that it is visible in review: on
 * PostgreSQL it switches to `vigil_platform`, a role with BYPASSRLS. No setting a session can change
 * opens another tenant's rows; the services' runtime login (a member of `vigil_service`) is neither
 * superuser nor table owner, so outside these two functions it sees no tenant's rows at all.
 *
 * SQLite is the single-user standalone mode: it has no roles or policies, so both functions are a
 * plain transaction there and the code-level `tenant_id` filters are the only scoping. SQLite also has
 * one connection per data source, shared by every query runner: two transactions on it would
 * interleave, so there both functions run one unit of work at a time per data source (in call order),
 * and a nested call, which would wait for itself, is refused.
 */

/** The NOLOGIN role a tenant transaction runs as (`SET LOCAL ROLE`): subject to the policies, never a table owner. */
export const TENANT_ROLE = 'vigil_tenant';
/** Transaction-local setting holding the tenant of the current transaction. */
export const TENANT_SETTING = 'vigil.tenant_id';
/** The NOLOGIN, BYPASSRLS role a platform transaction runs as (`SET LOCAL ROLE`). */
export const PLATFORM_ROLE = 'vigil_platform';
/** The NOLOGIN group of the services' runtime logins: table privileges, member of the two roles above. */
export const SERVICE_ROLE = 'vigil_service';

const MAX_TENANT_ID = 64;

export type TenantWork<T> = (manager: EntityManager) => Promise<T>;

function isPostgres(dataSource: DataSource): boolean {
  return dataSource.options.type === 'postgres';
}

const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();
const inScope = new AsyncLocalStorage<DataSource>();

/** One transaction at a time on a SQLite data source; PostgreSQL transactions each get their own pooled connection. */
function transaction<T>(dataSource: DataSource, work: TenantWork<T>): Promise<T> {
  if (isPostgres(dataSource)) return dataSource.transaction(work);
  if (inScope.getStore() === dataSource) {
    return Promise.reject(
      new Error(
        'runInTenant/runAsPlatform cannot be nested on SQLite (one connection): finish one unit of work before starting the next',
      ),
    );
  }
  const previous = sqliteQueues.get(dataSource) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => inScope.run(dataSource, () => dataSource.transaction(work)));
  sqliteQueues.set(dataSource, next);
  return next;
}

function assertTenantId(tenantId: string): void {
  if (typeof tenantId !== 'string' || tenantId.length === 0 || tenantId.length > MAX_TENANT_ID) {
    throw new TypeError(
      `tenantId must be a non-empty string of at most ${MAX_TENANT_ID} characters (got ${JSON.stringify(tenantId)})`,
    );
  }
}

/** Switches the transaction it belongs to into a tenant's scope (see runScoped). */
export type EnterTenant = (tenantId: string) => Promise<void>;

/**
 * Runs `work` in one transaction that starts as the service itself (for its platform tables: the
 * inbox) and enters tenant scopes with `enter(tenantId)`: on PostgreSQL the first call switches to
 * the restricted role, each call binds its tenant, both undone at commit or rollback, so a pooled
 * connection never carries a tenant into its next use. A batch spanning tenants enters each in
 * turn and commits once. SQLite: a plain transaction, `enter` only checks the id.
 */
export async function runScoped<T>(
  dataSource: DataSource,
  work: (manager: EntityManager, enter: EnterTenant) => Promise<T>,
): Promise<T> {
  return transaction(dataSource, async (manager) => {
    let restricted = false;
    const enter: EnterTenant = async (tenantId) => {
      assertTenantId(tenantId);
      if (!isPostgres(dataSource)) return;
      // set_config('role', …, true) is SET LOCAL ROLE (membership checked alike): the role and the
      // tenant in one round trip, which every tenant transaction of every service makes.
      if (restricted) await manager.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, tenantId]);
      else
        await manager.query("SELECT set_config('role', $1, true), set_config($2, $3, true)", [
          TENANT_ROLE,
          TENANT_SETTING,
          tenantId,
        ]);
      restricted = true;
    };
    return work(manager, enter);
  });
}

/**
 * Runs `work` in one transaction scoped to `tenantId` (runScoped, entered at once).
 * Do not nest: open one scope per unit of work (SQLite refuses a nested call).
 */
export async function runInTenant<T>(dataSource: DataSource, tenantId: string, work: TenantWork<T>): Promise<T> {
  assertTenantId(tenantId);
  return runScoped(dataSource, async (manager, enter) => {
    await enter(tenantId);
    return work(manager);
  });
}

/**
 * Runs `work` in one transaction that may read and write every tenant's rows: for the few
 * platform-level operations only (sign-in by email, bootstrap, tenant creation, credential lookup).
 * PostgreSQL: runs as `vigil_platform` (BYPASSRLS) for the transaction.
 */
export async function runAsPlatform<T>(dataSource: DataSource, work: TenantWork<T>): Promise<T> {
  return transaction(dataSource, async (manager) => {
    if (isPostgres(dataSource)) await manager.query(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
    return work(manager);
  });
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function ident(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a plain lower-case SQL identifier`);
  return `"${name}"`;
}

export interface TenantSecurityTables {
  /** Tables with a `tenant_id` column: RLS enabled and forced, policy on tenant_id, full DML for the tenant role. */
  readonly tenantTables: readonly string[];
  /** Platform tables a tenant transaction may read (SELECT only, no policy). */
  readonly readableTables?: readonly string[];
  /**
   * Tables without a tenant the service itself uses (an inbox, a cursor): privileges for the runtime
   * group and the platform role. Migrations need not list theirs (the shared migration grants every
   * table of the schema, and those created later by default); tables made another way do.
   */
  readonly platformTables?: readonly string[];
}

/**
 * The PostgreSQL statements a service's migration runs (after creating its tables) to put them
 * under tenant row-level security: the restricted role (created once per cluster, granted to the
 * migrating user so `SET LOCAL ROLE` works), its grants in the current schema, and per tenant table
 * `ENABLE` + `FORCE ROW LEVEL SECURITY` with the policy `tenant_isolation`. Migrations paste the
 * output as literal SQL (a released migration must not change when this function does).
 */
export function tenantRowLevelSecuritySql(tables: TenantSecurityTables): string[] {
  const role = ident(TENANT_ROLE);
  const statements = serviceRolesSql();
  for (const table of tables.readableTables ?? []) statements.push(`GRANT SELECT ON ${ident(table)} TO ${role}`);
  for (const table of tables.platformTables ?? [])
    statements.push(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${ident(table)} TO ${ident(SERVICE_ROLE)}, ${ident(PLATFORM_ROLE)}`,
    );
  const predicate = `"tenant_id" = current_setting('${TENANT_SETTING}', true)`;
  for (const table of tables.tenantTables) {
    const t = ident(table);
    statements.push(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${role}, ${ident(SERVICE_ROLE)}, ${ident(PLATFORM_ROLE)}`,
      `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY "tenant_isolation" ON ${t} USING (${predicate}) WITH CHECK (${predicate})`,
    );
  }
  return statements;
}

/**
 * The cluster-wide roles and their use of the current schema, idempotent: `vigil_tenant` (policies
 * apply), `vigil_platform` (BYPASSRLS; creating it needs a superuser or a role with BYPASSRLS, the
 * usual migration user), and `vigil_service`, the NOLOGIN group a deployment puts its runtime login
 * in (member of both, so its transactions can switch to either; NOINHERIT, so the login itself stays
 * under the policies). The migrating user becomes a member of both too: where it also runs the
 * services (a laptop, the tests) `SET LOCAL ROLE` works for it. Part of `tenantRowLevelSecuritySql`.
 */
export function serviceRolesSql(): string[] {
  const create = (name: string, attributes: string) =>
    // Roles are cluster-wide and services migrate concurrently: creating one may race, which is fine.
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${ident(name)} ${attributes}; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`;
  const grant = (granted: string, to: string) =>
    to === 'current_user'
      ? `DO $$ BEGIN IF NOT pg_has_role(current_user, '${granted}', 'MEMBER') THEN EXECUTE 'GRANT ${ident(granted)} TO ' || quote_ident(current_user); END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`
      : `DO $$ BEGIN IF NOT pg_has_role('${to}', '${granted}', 'MEMBER') THEN GRANT ${ident(granted)} TO ${ident(to)}; END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`;
  const roles = [TENANT_ROLE, PLATFORM_ROLE, SERVICE_ROLE].map(ident).join(', ');
  return [
    create(TENANT_ROLE, 'NOLOGIN NOINHERIT'),
    create(PLATFORM_ROLE, 'NOLOGIN NOINHERIT BYPASSRLS'),
    create(SERVICE_ROLE, 'NOLOGIN NOINHERIT'),
    grant(TENANT_ROLE, SERVICE_ROLE),
    grant(PLATFORM_ROLE, SERVICE_ROLE),
    grant(TENANT_ROLE, 'current_user'),
    grant(PLATFORM_ROLE, 'current_user'),
    `DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${roles}', current_schema()); END $$`,
  ];
}

/** The reverse of `tenantRowLevelSecuritySql` for a migration's down(); the cluster-wide role stays. */
export function dropTenantRowLevelSecuritySql(tables: TenantSecurityTables): string[] {
  const role = ident(TENANT_ROLE);
  const statements: string[] = [];
  for (const table of [...tables.tenantTables].reverse()) {
    const t = ident(table);
    statements.push(
      `DROP POLICY IF EXISTS "tenant_isolation" ON ${t}`,
      `ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`,
      `ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`,
      `REVOKE ALL ON ${t} FROM ${role}`,
    );
  }
  for (const table of tables.readableTables ?? []) statements.push(`REVOKE ALL ON ${ident(table)} FROM ${role}`);
  statements.push(
    `DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${TENANT_ROLE}', current_schema()); END $$`,
  );
  return statements;
}
