// Boots the alert service alone over the real bus, in the mode of VIGIL_TEST_MODE: embedded broker +
// SQLite, or RabbitMQ + PostgreSQL. Isolated from other suites and runs: a messaging namespace of its
// own, and (PostgreSQL) the database `<DATABASE_URL's database>_alert` with the schema reset first.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { CommonConfig, loadConfig } from '@vigil/config';
import {
  alertIdOf,
  createEnvelope,
  RoutingKeys,
  type Actor,
  type AlertSource,
  type Envelope,
  type ReceivedAlert,
} from '@vigil/contracts';
import { EmbeddedBroker, RabbitBroker, VigilBusClient, type MessageBroker } from '@vigil/messaging';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { startService, type RunningService } from '@vigil/runtime';
import { DataSource } from 'typeorm';
import { alertApp } from '../src/alert.app.js';

export const TEST_MODE = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The PostgreSQL database of the alert suites: DATABASE_URL's, suffixed `_alert`. */
export function alertDatabaseUrl(): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test');
  url.pathname = `${url.pathname}_alert`;
  return url.href;
}

/** Drops the alert schema (a fresh migration per suite). */
export async function resetAlertSchema(url = alertDatabaseUrl()): Promise<void> {
  await ensurePostgresDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS vigil_alert CASCADE');
  } finally {
    await client.end();
  }
}

export type AlertInit = Partial<ReceivedAlert> & { fingerprint: string };

/** A ReceivedAlert as the gateway would publish it. */
export function receivedAlert(tenantId: string, init: AlertInit): ReceivedAlert {
  return {
    alertId: alertIdOf(tenantId, init.fingerprint),
    alertType: 'kubernetes',
    runbook: 'https://runbooks.example.com/k8s',
    severity: 'warning',
    timestamp: String(Date.now() * 1000),
    environment: 'production',
    status: 'firing',
    labels: { alertname: init.fingerprint },
    data: {},
    ...init,
  };
}

export function tenant(): string {
  return `t-${randomBytes(6).toString('hex')}`;
}

export interface Harness {
  service: RunningService;
  broker: MessageBroker;
  client: VigilBusClient;
  dataSource: DataSource;
  /** alert.* envelopes published by the service, in arrival order. */
  events: Envelope<Record<string, unknown>>[];
  /** Publishes one ingest.alerts.received envelope; returns it. */
  ingest(
    tenantId: string,
    alerts: AlertInit[],
    options?: { source?: AlertSource; actor?: Actor },
  ): Promise<Envelope<object>>;
  /** Publishes exact envelope bytes (a redelivery of the same envelope). */
  publishRaw(envelope: Envelope<object>): Promise<void>;
  rpc<T>(pattern: string, tenantId: string, payload: object, actor?: Actor): Promise<T>;
  close(): Promise<void>;
}

export const USER: Actor = { kind: 'user', id: 'user-1' };

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const namespace = `vigil-test-alert-${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-alert-'));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  let broker: MessageBroker;
  let config: CommonConfig;
  if (TEST_MODE === 'embedded') {
    broker = new EmbeddedBroker({ namespace, logger: pino({ level: 'silent' }) });
    config = loadConfig(CommonConfig, { VIGIL_DATA_DIR: dataDir, LOG_LEVEL: 'warn', BUS_PREFETCH: '200' });
  } else {
    await resetAlertSchema();
    broker = new RabbitBroker({ url: AMQP_URL, namespace, prefetch: 200, logger: pino({ level: 'silent' }) });
    config = loadConfig(CommonConfig, {
      AMQP_URL,
      DATABASE_URL: alertDatabaseUrl(),
      VIGIL_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BUS_PREFETCH: '200',
      DB_POOL_SIZE: '4',
    });
  }
  await broker.connect();
  const service = await startService(alertApp, {
    mode: TEST_MODE === 'embedded' ? 'standalone' : 'distributed',
    config,
    broker,
    registries: [],
    logDestination: sink,
  });
  process.env = saved;

  const events: Envelope<Record<string, unknown>>[] = [];
  await broker.declareService({ service: 'probe', bindings: ['alert.*'], retryDelaysMs: [], events: true, rpc: false });
  const probe = await broker.consume(broker.names.serviceQueue('probe'), (delivery) => {
    events.push(JSON.parse(delivery.body.toString('utf8')) as Envelope<Record<string, unknown>>);
    delivery.ack();
  });
  const client = new VigilBusClient(broker, { service: 'gateway', rpcTimeoutMs: 10_000 });

  return {
    service,
    broker,
    client,
    dataSource: service.app.get(DataSource),
    events,
    async ingest(tenantId, alerts, options = {}) {
      return client.publish(RoutingKeys.IngestAlertsReceived, {
        tenantId,
        payload: { source: options.source ?? 'api', alerts: alerts.map((a) => receivedAlert(tenantId, a)) },
        ...(options.actor ? { actor: options.actor } : {}),
      });
    },
    async publishRaw(envelope) {
      await broker.publish(envelope.type, Buffer.from(JSON.stringify(envelope)), {
        messageId: envelope.id,
        correlationId: envelope.correlationId,
      });
    },
    rpc<T>(pattern: string, tenantId: string, payload: object, actor: Actor = USER) {
      return client.request<T>(pattern, { tenantId, payload, actor });
    },
    async close() {
      await service.close();
      await probe.close();
      if (broker.kind === 'rabbitmq') {
        for (const queue of [
          ...broker.names.queuesOf('alert', [200, 1_000, 5_000, 15_000]),
          ...broker.names.queuesOf('probe', []),
        ])
          await broker.deleteQueue(queue).catch(() => undefined);
        await broker.deleteExchange(broker.names.events).catch(() => undefined);
        await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
      }
      await broker.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { createEnvelope };
