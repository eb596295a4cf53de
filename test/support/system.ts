// Boots all six services in the test process, in the mode the integration run asks for:
// VIGIL_TEST_MODE=embedded → the standalone composition (embedded broker, SQLite in a temp dir);
// VIGIL_TEST_MODE=distributed → each service on its own RabbitMQ connection and PostgreSQL schema,
// as six separate processes would be (AMQP_URL / DATABASE_URL).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CommonConfig, loadConfig } from '@vigil/config';
import { DEFAULT_RETRY_DELAYS_MS, RabbitBroker } from '@vigil/messaging';
import { pino } from 'pino';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { startService, startStandalone, type RunningService } from '@vigil/runtime';
import { ALL_SERVICES } from '../../apps/standalone/src/services.js';

export const TEST_MODE = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';

/** The first admin the user service creates on an empty store (a platform admin of tenant `default`). */
export const TEST_ADMIN = Object.freeze({ email: 'admin@vigil.test', password: 'tide-pool orchid lantern 7' });
/** Distributed mode needs JWT_KEYS shared by the gateway and the user service; standalone uses the key file in the data dir. */
export const TEST_JWT_KEYS = `test:${'k'.repeat(48)}`;

/**
 * Services read their own variables (beyond CommonConfig) from process.env when they start: set
 * them for the duration of the start-up, then put the environment back.
 */
async function withProcessEnv<T>(env: Record<string, string>, start: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]] as const));
  Object.assign(process.env, env);
  try {
    return await start();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export interface TestSystem {
  url: string;
  services: RunningService[];
  /** Every JSON log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** The bootstrap admin's sign-in (VIGIL_ADMIN_EMAIL / VIGIL_ADMIN_PASSWORD unless `env` overrides them). */
  admin: { email: string; password: string };
  close(): Promise<void>;
}

function logCollector(logs: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

export async function startTestSystem(env: Record<string, string> = {}): Promise<TestSystem> {
  const serviceEnv: Record<string, string> = {
    VIGIL_ADMIN_EMAIL: TEST_ADMIN.email,
    VIGIL_ADMIN_PASSWORD: TEST_ADMIN.password,
    ...(TEST_MODE === 'distributed' ? { JWT_KEYS: TEST_JWT_KEYS } : {}),
    ...env,
  };
  const admin = { email: serviceEnv.VIGIL_ADMIN_EMAIL!, password: serviceEnv.VIGIL_ADMIN_PASSWORD! };
  return withProcessEnv(serviceEnv, async () => ({ ...(await startServices(env)), admin }));
}

async function startServices(env: Record<string, string>): Promise<Omit<TestSystem, 'admin'>> {
  const logs: Record<string, unknown>[] = [];
  const destination = logCollector(logs);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-system-'));
  if (TEST_MODE === 'embedded') {
    const config = loadConfig(CommonConfig, { VIGIL_DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...env });
    const standalone = await startStandalone(ALL_SERVICES, config, { port: 0, logDestination: destination });
    return {
      url: standalone.url,
      services: standalone.services,
      logs,
      async close() {
        await standalone.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test';
  await ensurePostgresDatabase(databaseUrl);
  const config = loadConfig(CommonConfig, {
    AMQP_URL: amqpUrl,
    DATABASE_URL: databaseUrl,
    VIGIL_DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    DB_POOL_SIZE: '2',
    ...env,
  });
  const brokers: RabbitBroker[] = [];
  const services: RunningService[] = [];
  // Exchanges and queues of this system's own: never messages left by another run, a benchmark or
  // a local `npm run start:all` on the same RabbitMQ. Removed on close.
  const namespace = `vigil-test-${randomBytes(4).toString('hex')}`;
  try {
    for (const def of ALL_SERVICES) {
      // The brokers' own lines (connected, reconnecting) would flood the test output; warnings still show.
      const broker = new RabbitBroker({ url: amqpUrl, namespace, logger: pino({ level: 'warn' }) });
      brokers.push(broker);
      await broker.connect();
      services.push(
        await startService(
          def,
          { mode: 'distributed', config, broker, registries: [], logDestination: destination },
          0,
        ),
      );
    }
  } catch (error) {
    await Promise.allSettled(services.map((s) => s.close()));
    await Promise.allSettled(brokers.map((b) => b.close()));
    throw error;
  }
  const gateway = services.find((s) => s.service === 'gateway')!;
  return {
    url: gateway.url!,
    services,
    logs,
    async close() {
      await gateway.close();
      await Promise.all(services.filter((s) => s !== gateway).map((s) => s.close()));
      const [first] = brokers;
      for (const service of ALL_SERVICES.map((d) => d.service)) {
        for (const queue of first.names.queuesOf(service, DEFAULT_RETRY_DELAYS_MS))
          await first.deleteQueue(queue).catch(() => undefined);
      }
      await first.deleteExchange(first.names.events).catch(() => undefined);
      await first.deleteExchange(first.names.deadLetterExchange).catch(() => undefined);
      await Promise.all(brokers.map((b) => b.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
