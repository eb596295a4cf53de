// The six services run as a deployment runs them: on PostgreSQL, a login that is a member of
// `vigil_service` only — not a superuser, not a table owner, no BYPASSRLS — on a database the
// migration user migrated beforehand (docs/operations.md, "Database roles"). The main flows work
// for two tenants that never see each other; and the same login, connected directly with psql-like
// access, sees no tenant's rows unless its transaction is scoped to that tenant, whatever session
// setting it tries (the old `vigil.platform` switch included).
import pg from 'pg';
import { CommonConfig, loadConfig } from '@vigil/config';
import { migrateServices, servicesToMigrate, SERVICE_ROLE } from '@vigil/persistence';
import {
  AMQP_URL,
  call,
  createTestTenant,
  DIALECT,
  freshPostgresDatabase,
  login,
  RELAXED_RATE_LIMITS,
  TestHarness,
  TEST_MODE,
  waitFor,
  type Answer,
  type Auth,
  type FreshDatabase,
  type TestTenant,
} from '@vigil/testing';
import { ALL_PERSISTENCE } from '../../apps/standalone/src/persistence.js';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
/** One login per cluster for this suite, re-created by each run: trust authentication, no password. */
const RUNTIME_LOGIN = 'vigil_runtime_test';

type Page<T> = { items: T[]; total?: number; nextCursor: string | null };

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The migrated database, and a URL of it for the runtime login. */
async function migratedDatabase(): Promise<{ database: FreshDatabase; runtimeUrl: string }> {
  const database = await freshPostgresDatabase('runtime_role');
  const config = loadConfig(CommonConfig, { DATABASE_URL: database.url, AMQP_URL });
  await migrateServices(servicesToMigrate([]), config, ALL_PERSISTENCE);
  await withClient(database.url, async (client) => {
    await client.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_LOGIN}') THEN CREATE ROLE ${RUNTIME_LOGIN} LOGIN INHERIT; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await client.query(`GRANT ${SERVICE_ROLE} TO ${RUNTIME_LOGIN}`);
  });
  const runtime = new URL(database.url);
  runtime.username = RUNTIME_LOGIN;
  runtime.password = '';
  return { database, runtimeUrl: runtime.href };
}

describe(`the services as their runtime database login (${TEST_MODE})`, () => {
  let system: TestHarness;
  let migrated: { database: FreshDatabase; runtimeUrl: string } | undefined;
  let a: TestTenant;
  let b: TestTenant;
  const alertIds: Record<string, string> = {};

  const api = <T = Record<string, unknown>>(method: string, path: string, auth: Auth, body?: unknown) =>
    call<T>(system.url, method, path, { auth, body });

  async function ok<T>(answer: Promise<Answer<T>>, status = 200): Promise<T> {
    const got = await answer;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${JSON.stringify(got.body)}`);
    return got.body;
  }

  beforeAll(async () => {
    if (DIALECT === 'postgres') migrated = await migratedDatabase();
    system = await TestHarness.system({
      env: { ...RELAXED_RATE_LIMITS },
      ...(migrated ? { config: { DATABASE_URL: migrated.runtimeUrl } } : {}),
    });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    [a, b] = await Promise.all([
      createTestTenant(system.url, platform, `runtime-a-${RUN}`, { scopes: ['alerts:write', 'alerts:read'] }),
      createTestTenant(system.url, platform, `runtime-b-${RUN}`, { roles: ['admin'], scopes: ['alerts:write'] }),
    ]);
    for (const [name, tenant] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const posted = await ok<{ ids: string[] }>(
        api('POST', '/api/v1/alerts', { apiKey: tenant.keys['alerts:write']!.key }, [
          { alert_type: `disk-full-${name}`, runbook: 'rb', severity: 'critical', labels: { host: `db-${name}` } },
        ]),
        202,
      );
      alertIds[name] = posted.ids[0]!;
    }
  }, 120_000);

  afterAll(async () => {
    await system?.close();
    await migrated?.database.drop();
  });

  it('ingests, lists, acknowledges and investigates for each tenant, neither seeing the other', async () => {
    for (const [name, tenant, other] of [
      ['a', a, 'b'],
      ['b', b, 'a'],
    ] as const) {
      const admin = tenant.users.admin.auth;
      const listed = await waitFor(
        async () => {
          const page = await ok(api<Page<{ id: string }>>('GET', '/api/v1/alerts', admin));
          return page.items.length > 0 ? page : undefined;
        },
        { timeoutMs: 20_000, what: `tenant ${name}'s alert listed` },
      );
      expect(listed.items.map((item) => item.id)).toEqual([alertIds[name]]);
      expect((await api('GET', `/api/v1/alerts/${alertIds[other]!}`, admin)).status).toBe(404);
      const acked = await ok(
        api<{ status: string }>('PUT', `/api/v1/alerts/${alertIds[name]!}/acknowledge`, admin, {}),
      );
      expect(acked.status).toBe('acknowledged');
      // No LLM is configured: the agent runner records a skipped investigation, the history service stores it.
      const sessions = await waitFor(
        async () => {
          const page = await ok(
            api<Page<{ alertId: string; status: string }>>('GET', '/api/v1/history/sessions', admin),
          );
          return page.items.some((s) => s.status === 'skipped') ? page : undefined;
        },
        { timeoutMs: 20_000, what: `tenant ${name}'s investigation recorded as skipped` },
      );
      expect(sessions.items.map((s) => [s.alertId, s.status])).toEqual([[alertIds[name], 'skipped']]);
      const users = await ok(api<Page<{ email: string }>>('GET', '/api/v1/users', admin));
      expect(users.items.every((user) => user.email.includes(`runtime-${name}-`))).toBe(true);
    }
  });

  if (DIALECT === 'postgres') {
    const asRuntime = <T>(work: (client: pg.Client) => Promise<T>) => withClient(migrated!.runtimeUrl, work);
    const ownerQuery = (sql: string, params: unknown[] = []) =>
      withClient(migrated!.database.url, (client) => client.query(sql, params));

    /** Every table of the services' schemas with a tenant column, and the tenants table. */
    async function tenantTables(): Promise<{ schema: string; table: string; column: string }[]> {
      const found = await ownerQuery(
        `SELECT table_schema AS schema, table_name AS table, column_name AS column FROM information_schema.columns
          WHERE table_schema LIKE 'vigil\\_%' AND (column_name = 'tenant_id' OR (table_name = 'tenants' AND column_name = 'id'))
          ORDER BY 1, 2`,
      );
      return found.rows as { schema: string; table: string; column: string }[];
    }

    it('is a login that is no superuser, owns no table and cannot bypass row-level security', async () => {
      const role = await ownerQuery('SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = $1', [
        RUNTIME_LOGIN,
      ]);
      expect(role.rows).toEqual([{ rolsuper: false, rolbypassrls: false, rolcreaterole: false }]);
      const owned = await ownerQuery(
        `SELECT schemaname, tablename FROM pg_tables WHERE schemaname LIKE 'vigil\\_%' AND tableowner = $1`,
        [RUNTIME_LOGIN],
      );
      expect(owned.rows).toEqual([]);
    });

    it('puts every tenant table, the tenants table included, under a forced policy that no session setting opens', async () => {
      const tables = await tenantTables();
      expect(tables.length).toBeGreaterThanOrEqual(15);
      const security = await ownerQuery(
        `SELECT n.nspname AS schema, c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                (SELECT string_agg(p.qual || ' ' || coalesce(p.with_check, ''), ' ') FROM pg_policies p
                  WHERE p.schemaname = n.nspname AND p.tablename = c.relname) AS policies
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname LIKE 'vigil\\_%' AND c.relkind = 'r'`,
      );
      type Security = { schema: string; table: string; enabled: boolean; forced: boolean; policies: string | null };
      const byTable = new Map((security.rows as Security[]).map((row) => [`${row.schema}.${row.table}`, row]));
      for (const { schema, table } of tables) {
        const row = byTable.get(`${schema}.${table}`)!;
        expect({ table: `${schema}.${table}`, enabled: row.enabled, forced: row.forced }).toEqual({
          table: `${schema}.${table}`,
          enabled: true,
          forced: true,
        });
        expect(row.policies).toMatch(/current_setting\('vigil\.tenant_id'::text, true\)/);
        expect(row.policies).not.toMatch(/vigil\.platform/);
      }
    });

    it('reads no tenant row outside a tenant scope, with vigil.platform on or not, and only its own tenant inside one', async () => {
      const tables = await tenantTables();
      const counts = async (client: pg.Client) => {
        const out: Record<string, number> = {};
        for (const { schema, table } of tables)
          out[`${schema}.${table}`] = Number(
            (await client.query(`SELECT count(*) AS n FROM "${schema}"."${table}"`)).rows[0].n,
          );
        return out;
      };
      const none = Object.fromEntries(tables.map(({ schema, table }) => [`${schema}.${table}`, 0]));
      // What the owner sees: both tenants have rows in the main tables.
      const all = await ownerQuery(`SELECT tenant_id, count(*) AS n FROM vigil_alert.alerts GROUP BY 1 ORDER BY 1`);
      expect(all.rows.map((row: { tenant_id: string }) => row.tenant_id).sort()).toEqual([a.id, b.id].sort());

      await asRuntime(async (client) => {
        expect(await counts(client)).toEqual(none);
        await client.query(`SELECT set_config('vigil.platform', 'on', false)`);
        expect(await counts(client)).toEqual(none);
        await client.query('BEGIN');
        await client.query(`SELECT set_config('vigil.platform', 'on', true)`);
        expect(await counts(client)).toEqual(none);
        await client.query('ROLLBACK');

        await client.query('BEGIN');
        await client.query(`SELECT set_config('vigil.tenant_id', $1, true)`, [a.id]);
        const alerts = await client.query('SELECT id, tenant_id FROM vigil_alert.alerts');
        expect(alerts.rows).toEqual([{ id: alertIds.a, tenant_id: a.id }]);
        const tenants = await client.query('SELECT id FROM vigil_user.tenants');
        expect(tenants.rows).toEqual([{ id: a.id }]);
        const users = await client.query('SELECT DISTINCT tenant_id FROM vigil_user.users');
        expect(users.rows).toEqual([{ tenant_id: a.id }]);
        await client.query('ROLLBACK');
      });
    });

    it("cannot write a row into another tenant's scope", async () => {
      await asRuntime(async (client) => {
        await client.query('BEGIN');
        await client.query(`SELECT set_config('vigil.tenant_id', $1, true)`, [a.id]);
        await client.query(`SELECT set_config('vigil.platform', 'on', true)`);
        await expect(
          client.query(`UPDATE vigil_alert.alerts SET severity = 'info' WHERE id = $1`, [alertIds.b]),
        ).resolves.toMatchObject({ rowCount: 0 });
        await expect(
          client.query(
            `INSERT INTO vigil_user.teams (id, tenant_id, name, created_at, updated_at) VALUES (gen_random_uuid(), $1, 'intruders', now(), now())`,
            [b.id],
          ),
        ).rejects.toThrow(/row-level security/);
        await client.query('ROLLBACK');
      });
    });
  }
});
