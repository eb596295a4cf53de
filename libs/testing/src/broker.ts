import amqplib from 'amqplib';
import { pino } from 'pino';
import {
  DEFAULT_RETRY_DELAYS_MS,
  EmbeddedBroker,
  RabbitBroker,
  type Logger,
  type MessageBroker,
  type MessageHeaders,
} from '@vigil/messaging';
import { AMQP_URL, TEST_MODE } from './environment.js';

/** The brokers' routine lines (connected, reconnecting) would flood the test output. */
export const quietLogger: Logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface TestBrokerOptions {
  namespace: string;
  /** RabbitMQ only: another address (e.g. through a proxy); default AMQP_URL. */
  url?: string;
  connectionName?: string;
  prefetch?: number;
  logger?: Logger;
}

/** The broker of the mode under test, in the given namespace (not connected yet). */
export function createTestBroker(options: TestBrokerOptions): MessageBroker {
  const logger = options.logger ?? quietLogger;
  return TEST_MODE === 'distributed'
    ? new RabbitBroker({
        url: options.url ?? AMQP_URL,
        namespace: options.namespace,
        logger,
        connectionName: options.connectionName ?? `vigil-test:${options.namespace}`,
        ...(options.prefetch ? { prefetch: options.prefetch } : {}),
      })
    : new EmbeddedBroker({
        namespace: options.namespace,
        logger,
        ...(options.prefetch ? { prefetch: options.prefetch } : {}),
      });
}

/** A message taken off a queue by QueueInspector.take(). */
export interface FetchedMessage {
  readonly body: Buffer;
  readonly routingKey: string;
  readonly headers: MessageHeaders;
  readonly messageId?: string;
  readonly correlationId?: string;
}

/**
 * What tests look at beyond the MessageBroker port: queue depths and dead letters. RabbitMQ is read
 * on a connection of its own (so a test never disturbs the broker under test); the embedded broker
 * through its inspection methods.
 */
export class QueueInspector {
  private connection?: Promise<amqplib.ChannelModel>;

  constructor(
    private readonly broker: MessageBroker,
    private readonly url = AMQP_URL,
  ) {}

  /** Ready (not unacknowledged) messages in a queue. */
  async depth(queue: string): Promise<number> {
    if (this.broker instanceof EmbeddedBroker) return this.broker.inspectQueue(queue).depth;
    return this.withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount);
  }

  /** Takes one message off a queue (acknowledged at once), e.g. to read a dead letter. */
  async take(queue: string): Promise<FetchedMessage | undefined> {
    if (this.broker instanceof EmbeddedBroker) return this.broker.inspectQueue(queue).take();
    return this.withChannel(async (channel) => {
      const message = await channel.get(queue, { noAck: true });
      if (!message) return undefined;
      return {
        body: message.content,
        routingKey: message.fields.routingKey,
        headers: (message.properties.headers ?? {}) as MessageHeaders,
        messageId: message.properties.messageId as string | undefined,
        correlationId: message.properties.correlationId as string | undefined,
      };
    });
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await (await connection).close().catch(() => undefined);
  }

  private async withChannel<T>(work: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
    this.connection ??= amqplib.connect(this.url);
    const channel = await (await this.connection).createChannel();
    // A failed operation (e.g. no such queue) closes the channel; the error arrives as work's rejection.
    channel.on('error', () => undefined);
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

/**
 * Removes what a test declared in its namespace on RabbitMQ (the embedded broker forgets it all on
 * close): every queue of `services` (event, RPC, dead-letter and delay queues) and the exchanges.
 */
export async function removeNamespace(
  broker: MessageBroker,
  services: readonly string[],
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): Promise<void> {
  if (broker.kind !== 'rabbitmq' || !broker.isConnected()) return;
  for (const service of services)
    for (const queue of broker.names.queuesOf(service, retryDelaysMs))
      await broker.deleteQueue(queue).catch(() => undefined);
  await broker.deleteExchange(broker.names.events).catch(() => undefined);
  await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
}
