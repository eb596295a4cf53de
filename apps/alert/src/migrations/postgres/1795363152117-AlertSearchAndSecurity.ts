import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written, PostgreSQL only (the entity declares these indexes with synchronize: false, and the
 * schema diff ignores policies):
 * - `q` searches `alert_search.search` with LIKE '%…%': a pg_trgm GIN index answers it. pg_trgm is created if
 *   the role may; without it the index is skipped and `q` still works, by scanning. The operator
 *   class is looked up wherever the extension lives (connections search the service schema only).
 * - `label=key=value` filters use `(alert_search.labels::jsonb) @> {...}`: a jsonb_path_ops GIN index.
 * - Tenant row-level security on every table (tenantRowLevelSecuritySql in @vigil/persistence,
 *   pasted as literal SQL). The outbox has tenant_id too; its relay reads it as the platform.
 */
export class AlertSearchAndSecurity1795363152117 implements MigrationInterface {
  name = 'AlertSearchAndSecurity1795363152117';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): free-text search runs without an index', SQLERRM;
END $$`);
    await queryRunner.query(`DO $$ DECLARE ops text;
BEGIN
  SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace WHERE c.opcname = 'gin_trgm_ops' LIMIT 1;
  IF ops IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS "IDX_alert_search_trgm" ON "alert_search" USING gin ("search" %s)', ops);
  END IF;
END $$`);
    await queryRunner.query(
      `CREATE INDEX "IDX_alert_search_labels" ON "alert_search" USING gin (("labels"::jsonb) jsonb_path_ops)`,
    );
    // Tenant row-level security (see tenantRowLevelSecuritySql in @vigil/persistence).
    await queryRunner.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_tenant') THEN CREATE ROLE "vigil_tenant" NOLOGIN NOINHERIT; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT pg_has_role(current_user, 'vigil_tenant', 'MEMBER') THEN EXECUTE 'GRANT vigil_tenant TO ' || quote_ident(current_user); END IF; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO vigil_tenant', current_schema()); END $$`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "alerts" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "alerts" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alerts" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "alerts" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "alert_search" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "alert_search" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alert_search" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "alert_search" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "alert_events" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "alert_events" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alert_events" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "alert_events" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "silences" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "silences" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "silences" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "silences" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "rejected_payloads" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "rejected_payloads" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "rejected_payloads" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "rejected_payloads" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
    await queryRunner.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "outbox" TO "vigil_tenant"`);
    await queryRunner.query(`ALTER TABLE "outbox" ENABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "outbox" FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(
      `CREATE POLICY "tenant_isolation" ON "outbox" USING ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on') WITH CHECK ("tenant_id" = current_setting('vigil.tenant_id', true) OR current_setting('vigil.platform', true) = 'on')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "outbox"`);
    await queryRunner.query(`ALTER TABLE "outbox" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "outbox" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "outbox" FROM "vigil_tenant"`);
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "rejected_payloads"`);
    await queryRunner.query(`ALTER TABLE "rejected_payloads" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "rejected_payloads" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "rejected_payloads" FROM "vigil_tenant"`);
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "silences"`);
    await queryRunner.query(`ALTER TABLE "silences" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "silences" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "silences" FROM "vigil_tenant"`);
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "alert_events"`);
    await queryRunner.query(`ALTER TABLE "alert_events" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alert_events" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "alert_events" FROM "vigil_tenant"`);
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "alert_search"`);
    await queryRunner.query(`ALTER TABLE "alert_search" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alert_search" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "alert_search" FROM "vigil_tenant"`);
    await queryRunner.query(`DROP POLICY IF EXISTS "tenant_isolation" ON "alerts"`);
    await queryRunner.query(`ALTER TABLE "alerts" NO FORCE ROW LEVEL SECURITY`);
    await queryRunner.query(`ALTER TABLE "alerts" DISABLE ROW LEVEL SECURITY`);
    await queryRunner.query(`REVOKE ALL ON "alerts" FROM "vigil_tenant"`);
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM vigil_tenant', current_schema()); END $$`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_alert_search_labels"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_alert_search_trgm"`);
  }
}
