// Shared set-up of the messaging integration tests: the broker of the mode under test, in a
// namespace of its own (so runs never see each other's messages), and its removal afterwards.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServiceName } from '@vigil/contracts';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import {
  EmbeddedBroker,
  RabbitBroker,
  VigilBusClient,
  VigilBusServer,
  type BusServerOptions,
  type MessageBroker,
} from '../src/index.js';

export const mode = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';
export const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function uniqueNamespace(): string {
  return `vigil-test-${randomBytes(4).toString('hex')}`;
}

export function createBroker(namespace: string, extra: { url?: string; connectionName?: string } = {}): MessageBroker {
  return mode === 'distributed'
    ? new RabbitBroker({
        url: extra.url ?? amqpUrl,
        namespace,
        logger,
        connectionName: extra.connectionName ?? `vigil-test:${namespace}`,
      })
    : new EmbeddedBroker({ namespace, logger });
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const deliveredPayload = (attempts = 1, error?: string) => ({
  deliveryId: randomUUID(),
  alertId: randomUUID(),
  channelId: randomUUID(),
  channelType: 'slack' as const,
  attempts,
  ...(error ? { error } : {}),
});

/** One test's world: a broker in a fresh namespace, servers and clients on it, all torn down after. */
export class TestBus {
  readonly namespace = uniqueNamespace();
  readonly broker: MessageBroker;
  readonly registry = new Registry();
  private readonly servers: VigilBusServer[] = [];
  private readonly queues = new Set<string>();
  private everConnected = false;

  constructor(extra: { url?: string; connectionName?: string } = {}) {
    this.broker = createBroker(this.namespace, extra);
    this.broker.onStatus((status) => {
      if (status === 'connected') this.everConnected = true;
    });
  }

  async server(
    service: ServiceName,
    register: (server: VigilBusServer) => void,
    options: Partial<BusServerOptions> = {},
  ): Promise<VigilBusServer> {
    const server = new VigilBusServer(this.broker, {
      service,
      logger,
      registry: this.registry,
      maxAttempts: 3,
      retryDelaysMs: [30, 60],
      ...options,
    });
    register(server);
    this.servers.push(server);
    for (const queue of this.broker.names.queuesOf(service, [30, 60, ...(options.retryDelaysMs ?? [])]))
      this.queues.add(queue);
    await server.start();
    return server;
  }

  client(service: ServiceName = 'gateway', rpcTimeoutMs = 5_000): VigilBusClient {
    return new VigilBusClient(this.broker, { service, logger, registry: this.registry, rpcTimeoutMs });
  }

  async dispose(): Promise<void> {
    for (const server of this.servers) await server.close().catch(() => undefined);
    // After an outage test the connection may still be coming back: clean up once it is.
    if (this.everConnected)
      await waitFor(() => this.broker.isConnected(), 'the broker connection', 10_000).catch(() => undefined);
    if (this.broker.isConnected()) {
      for (const queue of this.queues) await this.broker.deleteQueue(queue).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.events).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.deadLetterExchange).catch(() => undefined);
    }
    await this.broker.close();
  }
}
