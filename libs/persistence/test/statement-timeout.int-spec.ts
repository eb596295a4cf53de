// DB_STATEMENT_TIMEOUT_MS: on PostgreSQL every connection of a service's pool carries a
// statement_timeout, so a runaway query or a long lock wait ends instead of holding a connection;
// migrations (which may rewrite a big table) run without it.
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DIALECT, scratchDatabase, type ScratchDatabase } from '@vigil/testing';
import { openDataSource } from '../src/index.js';

class SlowMigration1800000000000 implements MigrationInterface {
  name = 'SlowMigration1800000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') await queryRunner.query('SELECT pg_sleep(0.5)');
    await queryRunner.query('CREATE TABLE "slow_done" ("id" integer PRIMARY KEY)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "slow_done"');
  }
}

describe(`statement timeout (${DIALECT})`, () => {
  let env: ScratchDatabase;

  beforeAll(async () => {
    env = await scratchDatabase(2);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('applies a migration that runs longer than the statement timeout', async () => {
    const { config, schemaName } = env.isolated('slow-migration');
    const dataSource = await openDataSource({
      service: 'user',
      config: { ...config, DB_STATEMENT_TIMEOUT_MS: 100 },
      schemaName,
      migrations: { postgres: [SlowMigration1800000000000], sqlite: [SlowMigration1800000000000] },
      logging: false,
    });
    try {
      expect(await dataSource.query('SELECT COUNT(*) AS n FROM slow_done')).toEqual([
        { n: DIALECT === 'postgres' ? '0' : 0 },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });

  if (DIALECT === 'postgres') {
    it('cancels a statement that runs longer than DB_STATEMENT_TIMEOUT_MS, on every connection of the pool', async () => {
      const { config, schemaName } = env.isolated('timeout');
      const dataSource = await openDataSource({
        service: 'user',
        config: { ...config, DB_STATEMENT_TIMEOUT_MS: 200 },
        schemaName,
        logging: false,
      });
      try {
        const [slow, held] = await Promise.allSettled([
          dataSource.query('SELECT pg_sleep(2)'),
          dataSource.transaction(async (manager) => {
            await manager.query('SELECT pg_sleep(2)');
          }),
        ]);
        for (const result of [slow, held]) {
          expect(result.status).toBe('rejected');
          expect((result as PromiseRejectedResult).reason).toMatchObject({
            message: 'canceling statement due to statement timeout',
            driverError: expect.objectContaining({ code: '57014' }),
          });
        }
        expect(await dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '200ms' }]);
        expect(await dataSource.query('SELECT pg_sleep(0.01), 1 AS ok')).toEqual([{ pg_sleep: '', ok: 1 }]);
      } finally {
        await dataSource.destroy();
      }
    });

    it('is 30 s when the configuration leaves it out, and off at 0', async () => {
      for (const [timeout, shown] of [
        [undefined, '30s'],
        [0, '0'],
      ] as const) {
        const { config, schemaName } = env.isolated(`timeout-${shown}`);
        const dataSource = await openDataSource({
          service: 'user',
          config: { ...config, ...(timeout === undefined ? {} : { DB_STATEMENT_TIMEOUT_MS: timeout }) },
          schemaName,
          logging: false,
        });
        try {
          expect(await dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: shown }]);
        } finally {
          await dataSource.destroy();
        }
      }
    });
  }
});
