import type { MigrationInterface, QueryRunner } from 'typeorm';

// Written by hand (policies are not part of the entity diff); never edited once released.
// A tenant transaction sees its own tenant's row only (docs/architecture.md, "Tenancy"); platform
// work (sign-in, tenant creation) runs as the BYPASSRLS platform role.
export class TenantRowSecurity1796231700001 implements MigrationInterface {
  name = 'TenantRowSecurity1796231700001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_self" ON "tenants" USING ("id"::text = current_setting('vigil.tenant_id', true)) WITH CHECK ("id"::text = current_setting('vigil.tenant_id', true))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_self" ON "tenants"`);
    await queryRunner.query(`ALTER TABLE "tenants" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "tenants" DISABLE ROW LEVEL SECURITY`);
  }
}
