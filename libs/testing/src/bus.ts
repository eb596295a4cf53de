import type { ServiceName } from '@vigil/contracts';
import { Registry } from 'prom-client';
import { VigilBusClient, VigilBusServer, type BusServerOptions, type MessageBroker } from '@vigil/messaging';
import { QueueInspector, createTestBroker, quietLogger } from './broker.js';
import { AMQP_URL, uniqueNamespace } from './environment.js';
import { waitFor } from './wait-for.js';

/**
 * Bus-level tests: a broker of the mode under test in a fresh namespace, with servers and clients on
 * it (fast retries: 30 and 60 ms, three attempts), all removed by dispose().
 */
export class TestBus {
  readonly namespace = uniqueNamespace('bus');
  readonly broker: MessageBroker;
  readonly queues: QueueInspector;
  readonly registry = new Registry();
  private readonly servers: VigilBusServer[] = [];
  private readonly declaredQueues = new Set<string>();
  private everConnected = false;

  /** `url`: RabbitMQ through another address (e.g. a proxy that a test cuts). */
  constructor(extra: { url?: string; connectionName?: string } = {}) {
    this.broker = createTestBroker({ namespace: this.namespace, ...extra });
    this.queues = new QueueInspector(this.broker, AMQP_URL);
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
      logger: quietLogger,
      registry: this.registry,
      maxAttempts: 3,
      retryDelaysMs: [30, 60],
      ...options,
    });
    register(server);
    this.servers.push(server);
    for (const queue of this.broker.names.queuesOf(service, [30, 60, ...(options.retryDelaysMs ?? [])]))
      this.declaredQueues.add(queue);
    await server.start();
    return server;
  }

  client(service: ServiceName = 'gateway', rpcTimeoutMs = 5_000): VigilBusClient {
    return new VigilBusClient(this.broker, { service, logger: quietLogger, registry: this.registry, rpcTimeoutMs });
  }

  async dispose(): Promise<void> {
    for (const server of this.servers) await server.close().catch(() => undefined);
    await this.queues.close();
    // After an outage test the connection may still be coming back: clean up once it is.
    if (this.everConnected)
      await waitFor(() => this.broker.isConnected(), { what: 'the broker connection', timeoutMs: 10_000 }).catch(
        () => undefined,
      );
    if (this.broker.isConnected()) {
      for (const queue of this.declaredQueues) await this.broker.deleteQueue(queue).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.events).catch(() => undefined);
      await this.broker.deleteExchange(this.broker.names.deadLetterExchange).catch(() => undefined);
    }
    await this.broker.close();
  }
}
