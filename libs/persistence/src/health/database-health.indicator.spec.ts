import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { DatabaseHealthIndicator } from './database-health.indicator.js';

function fakeDataSource(
  query: (sql: string) => Promise<unknown>,
  isInitialized = true,
  type = 'postgres',
): { dataSource: DataSource; queries: string[] } {
  const queries: string[] = [];
  const dataSource = {
    isInitialized,
    options: { type },
    query: (sql: string) => {
      queries.push(sql);
      return query(sql);
    },
  } as unknown as DataSource;
  return { dataSource, queries };
}

describe('DatabaseHealthIndicator', () => {
  it('runs SELECT 1 and reports up', async () => {
    const { dataSource, queries } = fakeDataSource(async () => [{ '?column?': 1 }]);
    const result = await new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource).check();
    expect(queries).toEqual(['SELECT 1']);
    expect(result).toEqual({ database: { status: 'up', dialect: 'postgres', responseTime: expect.any(Number) } });
  });

  it('reads the schema of an SQLite file, which answers SELECT 1 without reading the file', async () => {
    const { dataSource, queries } = fakeDataSource(async () => [{ 'count(*)': 3 }], true, 'better-sqlite3');
    const result = await new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource).check();
    expect(queries).toEqual(['SELECT count(*) FROM sqlite_master']);
    expect(result).toEqual({ database: { status: 'up', dialect: 'sqlite', responseTime: expect.any(Number) } });
  });

  it('reports down with the driver error', async () => {
    const { dataSource } = fakeDataSource(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    });
    expect(await new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource).check('db')).toEqual({
      db: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432', responseTime: expect.any(Number) },
    });
  });

  it('reports down when SELECT 1 does not answer within the timeout', async () => {
    const { dataSource } = fakeDataSource(() => new Promise(() => undefined));
    const started = Date.now();
    const result = await new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource).check('database', 50);
    expect(result).toEqual({
      database: { status: 'down', message: 'timeout of 50ms exceeded', responseTime: expect.any(Number) },
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports down without querying when the data source is closed', async () => {
    const { dataSource, queries } = fakeDataSource(async () => [], false);
    expect((await new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource).check()).database.status).toBe(
      'down',
    );
    expect(queries).toEqual([]);
  });
});
