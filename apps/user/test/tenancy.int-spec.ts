import { runAsPlatform, runInTenant } from '@vigil/persistence';
import { DataSource } from 'typeorm';
import { TeamEntity } from '../src/teams/team.entity.js';
import { DIALECT, TEST_MODE, TestHarness } from '@vigil/testing';
import { startUserHarness } from './users.js';

const now = new Date();
const team = (tenantId: string, name: string) =>
  Object.assign(new TeamEntity(), {
    id: crypto.randomUUID(),
    tenantId,
    name,
    description: null,
    createdAt: now,
    updatedAt: now,
  });

describe(`tenant scoping of the user tables (${TEST_MODE})`, () => {
  let h: TestHarness;
  let dataSource: DataSource;

  beforeAll(async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: 'root@example.com',
      VIGIL_ADMIN_PASSWORD: 'orbit-lantern-velvet-42',
    });
    await h.start();
    dataSource = h.dataSource();
    await runAsPlatform(dataSource, (manager) =>
      manager
        .getRepository(TeamEntity)
        .insert([team('tenant-a', 'A1'), team('tenant-a', 'A2'), team('tenant-b', 'B1')]),
    );
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('scopes code-level queries by tenant_id in both dialects', async () => {
    const names = await runInTenant(dataSource, 'tenant-a', (manager) =>
      manager.getRepository(TeamEntity).findBy({ tenantId: 'tenant-a' }),
    );
    expect(names.map((t) => t.name).sort()).toEqual(['A1', 'A2']);
    const everything = await runAsPlatform(dataSource, (manager) =>
      manager.getRepository(TeamEntity).findBy({ name: 'B1' }),
    );
    expect(everything).toHaveLength(1);
  });

  if (DIALECT === 'postgres') {
    it('hides other tenants from a query WITHOUT a where clause (row-level security under the restricted role)', async () => {
      const rows = await runInTenant(dataSource, 'tenant-a', (manager) =>
        manager.query<{ name: string }[]>('SELECT name FROM teams ORDER BY name'),
      );
      expect(rows.map((r) => r.name)).toEqual(['A1', 'A2']);
      const viaRepository = await runInTenant(dataSource, 'tenant-b', (manager) =>
        manager.getRepository(TeamEntity).find(),
      );
      expect(viaRepository.map((t) => t.name)).toEqual(['B1']);
      const [who] = await runInTenant(dataSource, 'tenant-a', (manager) =>
        manager.query<{ role: string; tenant: string }[]>(
          "SELECT current_user AS role, current_setting('vigil.tenant_id') AS tenant",
        ),
      );
      expect(who).toEqual({ role: 'vigil_tenant', tenant: 'tenant-a' });
    });

    it("refuses to write another tenant's rows and cannot touch them", async () => {
      await expect(
        runInTenant(dataSource, 'tenant-a', (manager) =>
          manager.getRepository(TeamEntity).insert(team('tenant-b', 'smuggled')),
        ),
      ).rejects.toThrow(/row-level security/);
      const updated = await runInTenant(dataSource, 'tenant-a', (manager) =>
        manager.getRepository(TeamEntity).update({ name: 'B1' }, { name: 'pwned' }),
      );
      expect(updated.affected).toBe(0);
      const deleted = await runInTenant(dataSource, 'tenant-a', (manager) =>
        manager.getRepository(TeamEntity).delete({ name: 'B1' }),
      );
      expect(deleted.affected).toBe(0);
      expect(
        await runAsPlatform(dataSource, (manager) => manager.getRepository(TeamEntity).findBy({ name: 'B1' })),
      ).toHaveLength(1);
    });

    it('forces the policy on every tenant table, and the restricted role owns none of them', async () => {
      const tables = await dataSource.query<
        { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; owner: string }[]
      >(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 1",
      );
      const secured = tables.filter((t) => t.relrowsecurity && t.relforcerowsecurity).map((t) => t.relname);
      expect(secured).toEqual(['api_keys', 'audit_log', 'refresh_tokens', 'teams', 'tenants', 'users']);
      expect(tables.some((t) => t.owner === 'vigil_tenant')).toBe(false);
      // platform tables are out of the tenant role's reach
      await expect(
        runInTenant(dataSource, 'tenant-a', (manager) => manager.query('SELECT * FROM login_attempts')),
      ).rejects.toThrow(/permission denied/);
    });
  } else {
    it('SQLite (standalone, single user): runInTenant is a plain transaction, code-level filters are the scoping', async () => {
      const rows = await runInTenant(dataSource, 'tenant-a', (manager) =>
        manager.query<{ name: string }[]>('SELECT name FROM teams ORDER BY name'),
      );
      expect(rows.map((r) => r.name)).toEqual(['A1', 'A2', 'B1']);
    });
  }
});
