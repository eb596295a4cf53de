import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hand-written (the entity declares the index with synchronize: false: TypeORM cannot describe
 * expression indexes): the list's default order, newest first, is `COALESCE(started_at_us, -1)` then
 * the session id; an index on that expression answers a page without sorting the tenant's sessions.
 * (Search has no index here: SQLite has no trigram index, and a standalone store is small.)
 */
export class HistoryListIndexes1796225000000 implements MigrationInterface {
  name = 'HistoryListIndexes1796225000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_history_sessions_started_sort" ON "history_sessions" ("tenant_id", COALESCE("started_at_us", -1), "session_id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_history_sessions_started_sort"`);
  }
}
