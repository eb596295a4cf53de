import { randomBytes } from 'node:crypto';
import { CommonConfig, loadConfig } from '@vigil/config';
import type { Envelope } from '@vigil/contracts';
import { RpcRemoteError, VigilBusClient, type ConsumerHandle, type MessageBroker } from '@vigil/messaging';
import {
  startService,
  startStandalone,
  type RunningService,
  type ServiceDefinition,
  type StandaloneProcess,
} from '@vigil/runtime';
import { DataSource } from 'typeorm';
import { ALL_SERVICES } from '../../../apps/standalone/src/services.js';
import { QueueInspector, createTestBroker, quietLogger, removeNamespace } from './broker.js';
import {
  AMQP_URL,
  freshPostgresDatabase,
  logCollector,
  scratchDirectory,
  setProcessEnv,
  TEST_MODE,
  uniqueNamespace,
  type FreshDatabase,
  type ScratchDirectory,
} from './environment.js';

/** The first admin the user service creates on an empty store (a platform admin of tenant `default`). */
export const TEST_ADMIN = Object.freeze({ email: 'admin@vigil.test', password: 'tide-pool orchid lantern 7' });
/** Distributed mode: the token key shared by the gateway and the user service (standalone keeps a key file). */
export const TEST_JWT_KEYS = `test:${randomBytes(36).toString('base64url')}`;
/** The key that encrypts stored secrets (tenants' MCP server headers), given to distributed systems. */
export const TEST_SECRETS_KEY = `test:${randomBytes(32).toString('base64url')}`;
/** Rate limits far above what a suite sends, for suites that are not about rate limits. */
export const RELAXED_RATE_LIMITS: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_LOGIN_PER_IP_PER_MIN: '100000',
  RATE_LIMIT_PER_KEY_PER_MIN: '100000',
  RATE_LIMIT_PER_TENANT_PER_MIN: '100000',
  RATE_LIMIT_AUTH_FAILURES_PER_IP_PER_MIN: '100000',
});

/** The queue of the harness's event recorder. */
const RECORDER = 'test-recorder';

export interface HarnessOptions {
  /**
   * Variables the services read from the process environment (undefined removes one), set for the
   * harness's lifetime. Defaults: the TEST_ADMIN sign-in and, distributed, TEST_JWT_KEYS.
   */
  env?: Record<string, string | undefined>;
  /** Common configuration beyond the harness's own, e.g. `{ LOG_LEVEL: 'warn', BUS_PREFETCH: '200' }`. */
  config?: Record<string, string>;
  /** Topic patterns of the events to record in `events`, e.g. `['alert.*']`. */
  watch?: readonly string[];
  /** One service: listen on HTTP at this port (0: any free one); default no HTTP. */
  port?: number;
  /** One service: services to start at once (default 1; 0 leaves it to start()). */
  instances?: number;
}

export interface RequestCall {
  /** Default `_system`. */
  tenantId?: string;
  actor?: Envelope<object>['actor'];
  /** Default 10 s. */
  timeoutMs?: number;
}

export interface RpcFailure {
  status: number | undefined;
  message: string;
  details: unknown;
}

type Running = { kind: 'service'; def: ServiceDefinition } | { kind: 'system'; standalone?: StandaloneProcess };

/**
 * The services under test in the mode of VIGIL_TEST_MODE: `embedded` (embedded broker, SQLite in a
 * temporary directory) or `distributed` (RabbitMQ at AMQP_URL, a new PostgreSQL database next to
 * DATABASE_URL's, dropped on close). Its own messaging namespace, every JSON log line in `logs`, a
 * bus client playing the gateway, and the events it was told to watch in `events`.
 */
export class TestHarness {
  readonly mode = TEST_MODE;
  readonly namespace = uniqueNamespace('test');
  readonly logs: Record<string, unknown>[] = [];
  readonly events: Envelope<Record<string, unknown>>[] = [];
  /** Every running service (instance), the first started first; the system's gateway first. */
  readonly services: RunningService[] = [];
  /** The harness's own connection in the namespace (standalone system: the shared embedded broker). */
  broker!: MessageBroker;
  client!: VigilBusClient;
  queues!: QueueInspector;
  private address?: string;
  readonly dataDir: ScratchDirectory;
  /** The first admin's sign-in: TEST_ADMIN unless `env` sets VIGIL_ADMIN_EMAIL / VIGIL_ADMIN_PASSWORD. */
  readonly admin: { email: string; password: string };
  database?: FreshDatabase;
  private readonly ownBrokers: MessageBroker[] = [];
  private recorder?: ConsumerHandle;
  private restoreEnv: () => void = () => undefined;
  private running!: Running;

  private constructor(private readonly options: HarnessOptions) {
    this.dataDir = scratchDirectory('test');
    this.admin = {
      email: options.env?.VIGIL_ADMIN_EMAIL ?? TEST_ADMIN.email,
      password: options.env?.VIGIL_ADMIN_PASSWORD ?? TEST_ADMIN.password,
    };
  }

  /** One service (e.g. alertApp), with its own database; start() adds services (restarts, replicas). */
  static async service(def: ServiceDefinition, options: HarnessOptions = {}): Promise<TestHarness> {
    const harness = new TestHarness(options);
    harness.running = { kind: 'service', def };
    return harness.boot(async () => {
      harness.broker = createTestBroker({ namespace: harness.namespace });
      harness.ownBrokers.push(harness.broker);
      await harness.broker.connect();
      await harness.attach();
      for (let i = 0; i < (options.instances ?? 1); i++) await harness.start();
      harness.address = harness.services[0]?.url;
    }, def.service);
  }

  /** All six services (the standalone composition, or six services each on its own connection). */
  static async system(options: HarnessOptions = {}): Promise<TestHarness> {
    const harness = new TestHarness(options);
    const running: Running = { kind: 'system' };
    harness.running = running;
    return harness.boot(async () => {
      const config = harness.config({ DB_POOL_SIZE: '2' });
      if (TEST_MODE === 'embedded') {
        running.standalone = await startStandalone(ALL_SERVICES, config, {
          port: 0,
          logDestination: logCollector(harness.logs),
        });
        harness.broker = running.standalone.broker;
        harness.services.push(...running.standalone.services);
        harness.address = running.standalone.url;
        await harness.attach();
        return;
      }
      harness.broker = createTestBroker({ namespace: harness.namespace });
      harness.ownBrokers.push(harness.broker);
      await harness.broker.connect();
      await harness.attach();
      for (const def of ALL_SERVICES) {
        const broker = createTestBroker({ namespace: harness.namespace, logger: undefined });
        harness.ownBrokers.push(broker);
        await broker.connect();
        harness.services.push(
          await startService(
            def,
            { mode: 'distributed', config, broker, registries: [], logDestination: logCollector(harness.logs) },
            0,
          ),
        );
      }
      harness.address = harness.services.find((s) => s.service === 'gateway')!.url;
    }, 'system');
  }

  /** The gateway's address (a system), or the service's when it listens on HTTP (option `port`). */
  get url(): string {
    if (!this.address) throw new Error('nothing listens on HTTP: start one service with the `port` option');
    return this.address;
  }

  /** The first running instance (one service), or the gateway (a system). */
  get service(): RunningService {
    return this.services[0]!;
  }

  /** The database of the first instance, or of the named service of a system. */
  dataSource(service?: string): DataSource {
    const running = service ? this.services.find((s) => s.service === service) : this.service;
    if (!running) throw new Error(`no running service ${service}`);
    return running.app.get(DataSource);
  }

  /** Starts one more instance of the service (a restart, or a replica) on the same database and broker. */
  async start(): Promise<RunningService> {
    if (this.running.kind !== 'service') throw new Error('start() adds services of one service, not of a system');
    const running = await startService(
      this.running.def,
      {
        mode: TEST_MODE === 'embedded' ? 'standalone' : 'distributed',
        config: this.config({ DB_POOL_SIZE: '4' }),
        broker: this.broker,
        registries: [],
        logDestination: logCollector(this.logs),
      },
      this.options.port,
    );
    this.services.push(running);
    return running;
  }

  async stop(instance: RunningService): Promise<void> {
    await instance.close();
    this.services.splice(this.services.indexOf(instance), 1);
  }

  /** The recorded events of one routing key. */
  eventsOf<P = Record<string, unknown>>(type: string): Envelope<P>[] {
    return this.events.filter((e) => e.type === type) as unknown as Envelope<P>[];
  }

  /** Publishes an event as the gateway would; returns its envelope. */
  publish<P extends object>(
    routingKey: string,
    init: { tenantId: string; payload: P; actor?: Envelope<P>['actor'] },
  ): Promise<Envelope<P>> {
    return this.client.publish(routingKey, init);
  }

  /** Publishes exact envelope bytes (e.g. a redelivery of the same envelope). */
  async publishRaw(envelope: Envelope<object>): Promise<void> {
    await this.broker.publish(envelope.type, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      correlationId: envelope.correlationId,
    });
  }

  request<T>(pattern: string, payload: object, call: RequestCall = {}): Promise<T> {
    return this.client.request<T>(
      pattern,
      { tenantId: call.tenantId ?? '_system', payload, ...(call.actor ? { actor: call.actor } : {}) },
      { timeoutMs: call.timeoutMs ?? 10_000 },
    );
  }

  /** The RPC's error (status, message, details); throws if the call succeeded. */
  async failure(pattern: string, payload: object, call: RequestCall = {}): Promise<RpcFailure> {
    try {
      await this.request(pattern, payload, call);
    } catch (error) {
      if (error instanceof RpcRemoteError)
        return { status: error.status, message: error.message, details: error.details };
      throw error;
    }
    throw new Error(`${pattern} succeeded, expected it to fail`);
  }

  async close(): Promise<void> {
    const gateway = this.services.find((s) => s.service === 'gateway');
    if (gateway) await gateway.close().catch(() => undefined);
    for (const instance of this.services.filter((s) => s !== gateway).reverse())
      await instance.close().catch(() => undefined);
    this.services.length = 0;
    await this.recorder?.close().catch(() => undefined);
    await this.queues?.close();
    if (this.running.kind === 'system' && this.running.standalone) await this.running.standalone.close();
    const services = this.running.kind === 'service' ? [this.running.def.service] : ALL_SERVICES.map((d) => d.service);
    if (this.broker) await removeNamespace(this.broker, [...services, 'gateway', RECORDER]);
    await Promise.all(this.ownBrokers.map((b) => b.close().catch(() => undefined)));
    this.restoreEnv();
    this.dataDir.remove();
    await this.database?.drop();
  }

  private async boot(start: () => Promise<void>, label: string): Promise<TestHarness> {
    this.restoreEnv = setProcessEnv({
      VIGIL_ADMIN_EMAIL: TEST_ADMIN.email,
      VIGIL_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...(TEST_MODE === 'distributed' ? { JWT_KEYS: TEST_JWT_KEYS, SECRETS_KEY: TEST_SECRETS_KEY } : {}),
      ...this.options.env,
    });
    try {
      if (TEST_MODE === 'distributed') this.database = await freshPostgresDatabase(label);
      await start();
      return this;
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
  }

  /** The bus client playing the gateway, and the recorder of watched events. */
  private async attach(): Promise<void> {
    this.queues = new QueueInspector(this.broker);
    this.client = new VigilBusClient(this.broker, { service: 'gateway', rpcTimeoutMs: 10_000, logger: quietLogger });
    const watch = this.options.watch ?? [];
    if (watch.length === 0) return;
    await this.broker.declareService({
      service: RECORDER,
      bindings: watch,
      retryDelaysMs: [],
      events: true,
      rpc: false,
    });
    this.recorder = await this.broker.consume(this.broker.names.serviceQueue(RECORDER), (delivery) => {
      this.events.push(JSON.parse(delivery.body.toString('utf8')) as Envelope<Record<string, unknown>>);
      delivery.ack();
    });
  }

  private config(defaults: Record<string, string>): CommonConfig {
    const env = Object.fromEntries(
      Object.entries(this.options.env ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return loadConfig(CommonConfig, {
      VIGIL_DATA_DIR: this.dataDir.path,
      LOG_LEVEL: 'debug',
      BUS_NAMESPACE: this.namespace,
      ...(this.database ? { AMQP_URL, DATABASE_URL: this.database.url, ...defaults } : {}),
      ...env,
      ...this.options.config,
    });
  }
}
