import type { MigrationInterface, QueryRunner } from 'typeorm';

// Written by hand (roles, grants and policies are not part of the entity diff); never edited once released.
// The database roles of docs/architecture.md, "Tenancy": `vigil_service`, the group a deployment's
// runtime login belongs to (table privileges, not an owner, subject to row-level security);
// `vigil_platform`, the BYPASSRLS role `runAsPlatform` switches to for cross-tenant work; and the
// tenant policies reduced to the tenant setting alone — `vigil.platform`, which any session may set,
// no longer opens anything.
export class ServiceRoles1796231700000 implements MigrationInterface {
  name = 'ServiceRoles1796231700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // serviceRolesSql() of @vigil/persistence at the time of writing.
    await queryRunner.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_tenant') THEN CREATE ROLE "vigil_tenant" NOLOGIN NOINHERIT; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_platform') THEN CREATE ROLE "vigil_platform" NOLOGIN NOINHERIT BYPASSRLS; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'vigil_service') THEN CREATE ROLE "vigil_service" NOLOGIN NOINHERIT; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT pg_has_role('vigil_service', 'vigil_tenant', 'MEMBER') THEN GRANT "vigil_tenant" TO "vigil_service"; END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT pg_has_role('vigil_service', 'vigil_platform', 'MEMBER') THEN GRANT "vigil_platform" TO "vigil_service"; END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT pg_has_role(current_user, 'vigil_tenant', 'MEMBER') THEN EXECUTE 'GRANT "vigil_tenant" TO ' || quote_ident(current_user); END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN IF NOT pg_has_role(current_user, 'vigil_platform', 'MEMBER') THEN EXECUTE 'GRANT "vigil_platform" TO ' || quote_ident(current_user); END IF; EXCEPTION WHEN unique_violation THEN NULL; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO "vigil_tenant", "vigil_platform", "vigil_service"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    // Tables the migrating user creates later in this schema get the same privileges.
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' LOOP EXECUTE format('ALTER POLICY "tenant_isolation" ON %I USING ("tenant_id" = current_setting(''vigil.tenant_id'', true)) WITH CHECK ("tenant_id" = current_setting(''vigil.tenant_id'', true))', t.tablename); END LOOP; END $$`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DO $$ DECLARE t record; BEGIN FOR t IN SELECT tablename FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'tenant_isolation' LOOP EXECUTE format('ALTER POLICY "tenant_isolation" ON %I USING ("tenant_id" = current_setting(''vigil.tenant_id'', true) OR current_setting(''vigil.platform'', true) = ''on'') WITH CHECK ("tenant_id" = current_setting(''vigil.tenant_id'', true) OR current_setting(''vigil.platform'', true) = ''on'')', t.tablename); END LOOP; END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
    await queryRunner.query(
      `DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM "vigil_service", "vigil_platform"', current_schema()); END $$`,
    );
  }
}
