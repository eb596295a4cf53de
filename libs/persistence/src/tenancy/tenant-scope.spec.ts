import { DataSource } from 'typeorm';
import {
  dropTenantRowLevelSecuritySql,
  runAsPlatform,
  runInTenant,
  tenantRowLevelSecuritySql,
} from './tenant-scope.js';

describe('tenant row-level security SQL', () => {
  const tables = { tenantTables: ['users', 'api_keys'], readableTables: ['tenants'] };

  it('creates the three roles once, grants them, and forces a tenant policy on every tenant table', () => {
    const sql = tenantRowLevelSecuritySql(tables);
    expect(sql.slice(0, 3)).toEqual([
      expect.stringMatching(/IF NOT EXISTS .*CREATE ROLE "vigil_tenant" NOLOGIN NOINHERIT;/),
      expect.stringMatching(/IF NOT EXISTS .*CREATE ROLE "vigil_platform" NOLOGIN NOINHERIT BYPASSRLS;/),
      expect.stringMatching(/IF NOT EXISTS .*CREATE ROLE "vigil_service" NOLOGIN NOINHERIT;/),
    ]);
    expect(sql).toContain('GRANT SELECT ON "tenants" TO "vigil_tenant"');
    for (const table of ['users', 'api_keys']) {
      expect(sql).toContain(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON "${table}" TO "vigil_tenant", "vigil_service", "vigil_platform"`,
      );
      expect(sql).toContain(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      expect(sql).toContain(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      // The tenant setting alone: no session-settable switch that opens every tenant.
      expect(sql.find((s) => s.startsWith(`CREATE POLICY "tenant_isolation" ON "${table}"`))).toBe(
        `CREATE POLICY "tenant_isolation" ON "${table}" USING ("tenant_id" = current_setting('vigil.tenant_id', true)) WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true))`,
      );
    }
    expect(sql.some((s) => s.includes('"tenants" ENABLE'))).toBe(false);
  });

  it('undoes it in reverse, keeping the cluster-wide role', () => {
    const sql = dropTenantRowLevelSecuritySql(tables);
    expect(sql[0]).toBe('DROP POLICY IF EXISTS "tenant_isolation" ON "api_keys"');
    expect(sql.join('\n')).not.toMatch(/DROP ROLE/);
  });

  it('refuses identifiers that are not plain', () => {
    expect(() => tenantRowLevelSecuritySql({ tenantTables: ['users; DROP TABLE x'] })).toThrow(/identifier/);
  });
});

describe('tenant scopes on SQLite', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    await dataSource.query('CREATE TABLE t (tenant_id varchar NOT NULL, n integer NOT NULL)');
  });
  afterAll(async () => {
    await dataSource.destroy();
  });

  it('runs concurrent units of work one after the other on the one connection', async () => {
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((tenant) =>
        runInTenant(dataSource, tenant, async (manager) => {
          order.push(`${tenant}:start`);
          await manager.query('INSERT INTO t VALUES (?, 1)', [tenant]);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(`${tenant}:end`);
        }),
      ),
    );
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('rolls a failed unit back and goes on with the next', async () => {
    const failed = runAsPlatform(dataSource, async (manager) => {
      await manager.query("INSERT INTO t VALUES ('x', 1)");
      throw new Error('boom');
    });
    const next = runAsPlatform(dataSource, (manager) =>
      manager.query("SELECT count(*) AS n FROM t WHERE tenant_id = 'x'"),
    );
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toEqual([{ n: 0 }]);
  });

  it('refuses a nested scope instead of waiting for itself', async () => {
    await expect(runInTenant(dataSource, 'a', () => runAsPlatform(dataSource, async () => 1))).rejects.toThrow(
      /cannot be nested/,
    );
  });

  it('refuses an empty tenant id', async () => {
    await expect(runInTenant(dataSource, '', async () => 1)).rejects.toThrow(/tenantId/);
  });
});
