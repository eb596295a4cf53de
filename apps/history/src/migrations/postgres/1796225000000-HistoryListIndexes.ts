import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written (the entity declares these indexes with synchronize: false: TypeORM cannot describe
 * expression indexes):
 * - The list's default order, newest first, is `COALESCE(started_at_us, -1)` then the session id (a
 *   session whose start has not arrived sorts last): an index on that expression answers a page
 *   without sorting the tenant's sessions.
 * - `q` matches the session's error, final analysis and alert data as one text with ILIKE '%…%': a
 *   pg_trgm GIN index on that expression answers it. pg_trgm is created if the role may; without it the
 *   index is skipped and `q` still works, by scanning. The operator class is looked up wherever the
 *   extension lives (connections search the service schema only).
 * - A session's row is rewritten after every batch that carries its events (counts, tokens): with
 *   room left on each page (fillfactor 70) those rewrites stay on the page and touch no index (HOT
 *   updates), instead of adding an entry to each of the table's eight indexes every time.
 */
export class HistoryListIndexes1796225000000 implements MigrationInterface {
  name = 'HistoryListIndexes1796225000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "history_sessions" SET (fillfactor = 70)`);
    await queryRunner.query(
      `CREATE INDEX "IDX_history_sessions_started_sort" ON "history_sessions" ("tenant_id", (COALESCE("started_at_us", -1)), "session_id")`,
    );
    await queryRunner.query(`DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): history search runs without an index', SQLERRM;
END $$`);
    await queryRunner.query(`DO $$ DECLARE ops text;
BEGIN
  SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace WHERE c.opcname = 'gin_trgm_ops' LIMIT 1;
  IF ops IS NOT NULL THEN
    EXECUTE format('CREATE INDEX IF NOT EXISTS "IDX_history_sessions_search_trgm" ON "history_sessions" USING gin ((COALESCE("error", '''') || '' '' || COALESCE("final_analysis", '''') || '' '' || COALESCE("alert_data", '''')) %s)', ops);
  END IF;
END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_history_sessions_search_trgm"`);
    await queryRunner.query(`DROP INDEX "IDX_history_sessions_started_sort"`);
    await queryRunner.query(`ALTER TABLE "history_sessions" RESET (fillfactor)`);
  }
}
