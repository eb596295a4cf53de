// Readiness of the whole system: standalone, the one HTTP server answers for the process, so its
// /health/ready checks the broker and every service's database (a query each, with a timeout);
// distributed, each service answers for its own. A database that does not answer makes it 503,
// naming that database.
import { TestHarness, TEST_MODE } from '@vigil/testing';
import { DataSource } from 'typeorm';

const WITH_DATABASE = ['user', 'alert', 'agent-runner', 'history', 'notification'] as const;

interface Readiness {
  status: string;
  details: Record<string, { status: string; message?: string; dialect?: string }>;
}

describe(`/health/ready of the system (${TEST_MODE})`, () => {
  let system: TestHarness;

  beforeAll(async () => {
    system = await TestHarness.system({ config: { LOG_LEVEL: 'warn' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  const ready = async (url: string): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`${url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };

  it('checks the broker and the database of every service', async () => {
    if (TEST_MODE === 'embedded') {
      const { status, body } = await ready(system.url);
      expect(status).toBe(200);
      expect(Object.keys(body.details).sort()).toEqual(
        ['broker', ...WITH_DATABASE.map((service) => `database:${service}`)].sort(),
      );
      for (const service of WITH_DATABASE)
        expect(body.details[`database:${service}`]).toEqual({
          status: 'up',
          dialect: 'sqlite',
          responseTime: expect.any(Number),
        });
    } else {
      for (const service of WITH_DATABASE) {
        const running = system.services.find((s) => s.service === service)!;
        const { status, body } = await ready(running.url!);
        expect(status).toBe(200);
        expect(Object.keys(body.details).sort()).toEqual(['broker', 'database']);
        expect(body.details['database']).toMatchObject({ status: 'up', dialect: 'postgres' });
      }
    }
  });

  it('is 503 naming the database that does not answer, the others still up', async () => {
    const history = system.services.find((s) => s.service === 'history')!;
    const dataSource = history.app.get(DataSource);
    await dataSource.destroy();
    try {
      const { status, body } = await ready(TEST_MODE === 'embedded' ? system.url : history.url!);
      expect(status).toBe(503);
      expect(body.status).toBe('error');
      const key = TEST_MODE === 'embedded' ? 'database:history' : 'database';
      expect(body.details[key]).toMatchObject({ status: 'down', message: 'database connection is closed' });
      const down = Object.entries(body.details).filter(([, detail]) => detail.status !== 'up');
      expect(down.map(([name]) => name)).toEqual([key]);
    } finally {
      await dataSource.initialize();
    }
    expect((await ready(TEST_MODE === 'embedded' ? system.url : history.url!)).status).toBe(200);
  });
});
