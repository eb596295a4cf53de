import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { createMessagingLogger } from '@vigil/messaging';
import { DatabaseHealthIndicator, PersistenceModule, definePersistence, openDataSource } from '../src/index.js';
import { HealthIndicatorService } from '@nestjs/terminus';
import { DIALECT, scratchDatabase, tablesOf, type ScratchDatabase } from '@vigil/testing';

describe(`DatabaseHealthIndicator (${DIALECT})`, () => {
  let env: ScratchDatabase;

  beforeAll(async () => {
    env = await scratchDatabase(1);
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('is up when SELECT 1 answers and down once the connection is closed', async () => {
    const dataSource = await openDataSource({ service: 'user', ...env.isolated('health'), logging: false });
    const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource);
    expect(await indicator.check()).toEqual({
      database: { status: 'up', dialect: DIALECT, responseTime: expect.any(Number) },
    });
    await dataSource.destroy();
    expect(await indicator.check('db')).toEqual({
      db: { status: 'down', message: 'database connection is closed', responseTime: expect.any(Number) },
    });
  });

  if (DIALECT === 'postgres') {
    it('is down after the timeout when no connection is free', async () => {
      const dataSource = await openDataSource({ service: 'user', ...env.isolated('health-busy'), logging: false }); // pool of 1
      const holder = dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        const indicator = new DatabaseHealthIndicator(new HealthIndicatorService(), dataSource);
        const started = Date.now();
        expect(await indicator.check('database', 200)).toEqual({
          database: { status: 'down', message: 'timeout of 200ms exceeded', responseTime: expect.any(Number) },
        });
        expect(Date.now() - started).toBeLessThan(2_000);
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
        await dataSource.destroy();
      }
    });

    it('is down when the server cannot be reached', async () => {
      const unreachable = {
        ...env.isolated('health-down'),
        config: { ...env.config, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
      };
      await expect(openDataSource({ service: 'user', ...unreachable, logging: false })).rejects.toThrow(/ECONNREFUSED/);
    });
  }
});

describe(`PersistenceModule in a Nest app (${DIALECT})`, () => {
  let env: ScratchDatabase;

  beforeAll(async () => {
    env = await scratchDatabase();
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('connects and migrates before start-up, serves the readiness check, closes on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PersistenceModule.forService({
          persistence: definePersistence('alert'),
          ...env.isolated('nest'),
          retryAttempts: 0,
          transactions: {
            broker: { publish: async () => undefined },
            logger: createMessagingLogger(),
            outboxSweepMs: 60_000,
            inboxRetentionDays: 7,
          },
        }),
        TerminusModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    const dataSource = app.get(DataSource);
    expect(dataSource.isInitialized).toBe(true);
    expect(await tablesOf(dataSource)).toEqual(expect.arrayContaining(['inbox', 'migrations']));

    const indicator = app.get(DatabaseHealthIndicator);
    const result = await app.get(HealthCheckService).check([() => indicator.check()]);
    expect(result.status).toBe('ok');
    expect(result.details.database?.status).toBe('up');

    await app.close();
    expect(dataSource.isInitialized).toBe(false);
  });
});
