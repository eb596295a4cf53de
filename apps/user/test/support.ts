// Boots the user service on its own, in the mode of VIGIL_TEST_MODE, with a database and a broker
// namespace of its own (so suites running side by side never share state): embedded broker + SQLite
// in a temp directory, or RabbitMQ + a scratch PostgreSQL database (dropped afterwards). A bus client
// plays the gateway; a listener records auth.credential.revoked events.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { RoutingKeys, type Actor, type CredentialRevoked, type Envelope, type TokenPair } from '@vigil/contracts';
import { CommonConfig, loadConfig } from '@vigil/config';
import {
  BusContext,
  EmbeddedBroker,
  RabbitBroker,
  RpcRemoteError,
  VigilBusClient,
  VigilBusServer,
  type MessageBroker,
} from '@vigil/messaging';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { startService, type RunningService } from '@vigil/runtime';
import { DataSource } from 'typeorm';
import { userApp } from '../src/user.app.js';

export const TEST_MODE = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';
export const DIALECT = TEST_MODE === 'distributed' ? 'postgres' : 'sqlite';
export const ADMIN_EMAIL = 'root@example.com';
export const ADMIN_PASSWORD = 'orbit-lantern-velvet-42';
const JWT_KEYS = `test:${randomBytes(48).toString('base64url')}`;

export interface Call {
  tenantId?: string;
  actor?: Actor;
  timeoutMs?: number;
}

export interface Failure {
  status: number | undefined;
  message: string;
  details: unknown;
}

export class UserHarness {
  readonly namespace = `vigil-user-test-${randomBytes(4).toString('hex')}`;
  readonly instances: RunningService[] = [];
  readonly revoked: Envelope<CredentialRevoked>[] = [];
  readonly logs: Record<string, unknown>[] = [];
  readonly broker: MessageBroker;
  readonly client: VigilBusClient;
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-user-'));
  private readonly databaseUrl?: string;
  private listener?: VigilBusServer;
  private database?: Promise<void>;
  private readonly savedEnv = new Map<string, string | undefined>();

  constructor(private readonly env: Record<string, string | undefined> = {}) {
    if (TEST_MODE === 'distributed') {
      const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test');
      url.pathname = `/vigil_user_t${randomBytes(4).toString('hex')}`;
      this.databaseUrl = url.href;
      this.broker = new RabbitBroker({
        url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
        namespace: this.namespace,
        connectionName: this.namespace,
        logger: pino({ level: 'silent' }),
      });
    } else {
      this.broker = new EmbeddedBroker({ namespace: this.namespace, logger: pino({ level: 'silent' }) });
    }
    this.client = new VigilBusClient(this.broker, {
      service: 'gateway',
      rpcTimeoutMs: 10_000,
      logger: pino({ level: 'silent' }),
    });
  }

  /** Starts one more instance of the user service (a restart, or a replica) on the same database and broker. */
  async start(): Promise<RunningService> {
    if (this.savedEnv.size === 0) {
      // The user service reads its own variables from the process environment (as in standalone mode).
      const own = { JWT_KEYS: TEST_MODE === 'distributed' ? JWT_KEYS : undefined, ...this.env };
      for (const [name, value] of Object.entries(own)) {
        this.savedEnv.set(name, process.env[name]);
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    if (this.databaseUrl) await (this.database ??= ensurePostgresDatabase(this.databaseUrl));
    await this.broker.connect();
    await this.listen();
    const config = loadConfig(CommonConfig, {
      VIGIL_DATA_DIR: this.dataDir,
      LOG_LEVEL: 'debug',
      ...(this.databaseUrl
        ? { AMQP_URL: 'amqp://unused.invalid', DATABASE_URL: this.databaseUrl, DB_POOL_SIZE: '4' }
        : {}),
    });
    const running = await startService(userApp, {
      mode: TEST_MODE === 'distributed' ? 'distributed' : 'standalone',
      config,
      broker: this.broker,
      registries: [],
      logDestination: this.logSink(),
    });
    this.instances.push(running);
    return running;
  }

  /** The data source of the first running instance. */
  get dataSource(): DataSource {
    return this.instances[0]!.app.get(DataSource);
  }

  async stop(instance: RunningService): Promise<void> {
    await instance.close();
    this.instances.splice(this.instances.indexOf(instance), 1);
  }

  request<T>(pattern: string, payload: object, call: Call = {}): Promise<T> {
    return this.client.request<T>(
      pattern,
      { tenantId: call.tenantId ?? '_system', payload, ...(call.actor ? { actor: call.actor } : {}) },
      { timeoutMs: call.timeoutMs ?? 10_000 },
    );
  }

  /** The RPC's error (status, message, details); fails the test if the call succeeded. */
  async failure(pattern: string, payload: object, call: Call = {}): Promise<Failure> {
    try {
      await this.request(pattern, payload, call);
    } catch (error) {
      if (error instanceof RpcRemoteError)
        return { status: error.status, message: error.message, details: error.details };
      throw error;
    }
    throw new Error(`${pattern} succeeded, expected it to fail`);
  }

  async dispose(): Promise<void> {
    for (const instance of [...this.instances].reverse()) await instance.close().catch(() => undefined);
    await this.listener?.close();
    if (this.broker.isConnected()) {
      for (const service of ['user', 'gateway'])
        for (const queue of this.broker.names.queuesOf(service, [200, 1000, 5000, 15000]))
          await this.broker.deleteQueue(queue).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.events).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.deadLetterExchange).catch(() => undefined);
    }
    await this.broker.close();
    for (const [name, value] of this.savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    if (this.databaseUrl) {
      const admin = new URL(this.databaseUrl);
      const name = admin.pathname.slice(1);
      admin.pathname = '/postgres';
      const client = new pg.Client({ connectionString: admin.href });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    }
  }

  private listening?: Promise<void>;

  private listen(): Promise<void> {
    this.listening ??= this.startListener();
    return this.listening;
  }

  private async startListener(): Promise<void> {
    this.listener = new VigilBusServer(this.broker, { service: 'gateway', logger: pino({ level: 'silent' }) });
    this.listener.addHandler(
      RoutingKeys.AuthCredentialRevoked,
      async (_payload: unknown, ctx: BusContext) => {
        this.revoked.push(ctx.getEnvelope<CredentialRevoked>());
      },
      true,
    );
    await this.listener.start();
  }

  private logSink(): Writable {
    return new Writable({
      write: (chunk, _encoding, done) => {
        for (const line of String(chunk).split('\n'))
          if (line.trim()) this.logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Decodes (without verifying) the claims of an access token. */
export function claimsOf(tokens: TokenPair): Record<string, unknown> {
  return JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

export function userActor(id: string, ip = '203.0.113.7'): Actor {
  return { kind: 'user', id, ip };
}
