import { randomUUID } from 'node:crypto';
import type { Channel, ConfirmChannel, ConsumeMessage, Message, Options } from 'amqplib';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type {
  BrokerStatus,
  ConsumeOptions,
  ConsumerHandle,
  Delivery,
  DeliveryHandler,
  MessageBroker,
  MessageHeaders,
  OutgoingMessageOptions,
  RequestOptions,
} from './broker.js';
import {
  BrokerClosedError,
  BrokerUnavailableError,
  PublishWithdrawnError,
  RequestTimeoutError,
  UnroutableError,
} from './errors.js';
import { createMessagingLogger, type Logger } from './logger.js';
import { DIRECT_REPLY_TO, TopologyNames, type BroadcastTopology, type ServiceTopology } from './topology.js';

/** A broadcast queue whose replica vanished without cancelling is removed after this long unused. */
const BROADCAST_QUEUE_EXPIRES_MS = 60_000;

export interface RabbitBrokerOptions {
  /** amqp://user:pass@host:port/vhost */
  url: string;
  logger?: Logger;
  /** Default prefetch of consumers (default 32). */
  prefetch?: number;
  /** Prefix of every exchange and queue name (default `vigil`). */
  namespace?: string;
  /** Shown in the RabbitMQ management UI and `rabbitmqctl list_connections` (default `vigil-messaging`). */
  connectionName?: string;
  /** How long connect() waits for the first connection (default 30 s). */
  connectTimeoutMs?: number;
  /** How long a publish may wait for a connection and its confirm, across reconnects (default 60 s). */
  publishTimeoutMs?: number;
  heartbeatIntervalInSeconds?: number;
  /** Delay between reconnection attempts (default 1 s). */
  reconnectTimeInSeconds?: number;
}

type DeclareFn = (channel: Channel) => Promise<void>;

interface PendingRequest {
  resolve(body: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  queue: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors that re-publishing cannot fix. */
function isPermanentPublishError(error: unknown): boolean {
  return error instanceof RangeError || error instanceof TypeError;
}

function publishProperties(options: OutgoingMessageOptions): Options.Publish {
  return {
    persistent: options.persistent ?? true,
    contentType: options.contentType ?? 'application/json',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.messageId ? { messageId: options.messageId } : {}),
    ...(options.correlationId ? { correlationId: options.correlationId } : {}),
    ...(options.appId ? { appId: options.appId } : {}),
  };
}

/**
 * RabbitMQ through amqp-connection-manager: one connection, re-established after any loss, with
 * - a confirm channel for publishing (publish() resolves after the broker's confirm; a message
 *   whose confirm was lost with the connection is published again after reconnecting, so delivery
 *   is at-least-once and consumers dedupe on the envelope id). The channel notes which message
 *   bodies it wrote to the connection, so that `withdrawAfterMs` can tell a message that was never
 *   sent (withdrawn: certainly not stored) from one that was (possibly stored: seen through);
 * - one channel per consumer, re-consuming after reconnects; acks go to the channel the message
 *   came on (an ack on a new channel would be a protocol error), and a delivery whose channel died
 *   is simply redelivered by the broker;
 * - a channel for RPC requests using direct reply-to;
 * - short-lived channels for queue inspection, so a 404 cannot take down a long-lived channel.
 * Topology is declared through setup functions that run again on every reconnect.
 */
export class RabbitBroker implements MessageBroker {
  readonly kind = 'rabbitmq' as const;
  readonly names: TopologyNames;
  private readonly logger: Logger;
  private readonly prefetch: number;
  private readonly connectTimeoutMs: number;
  private readonly publishTimeoutMs: number;
  private manager?: AmqpConnectionManager;
  private publisher?: ChannelWrapper;
  private rpcChannel?: ChannelWrapper;
  private replyChannel?: Channel;
  private connecting?: Promise<void>;
  private closed = false;
  private everConnected = false;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly declarations = new Map<string, DeclareFn>();
  /** Exclusive broadcast queues: declared by their consumer's channel; answers the name it declared. */
  private readonly replicaQueues = new Map<string, (channel: Channel) => Promise<string>>();
  private readonly serviceSetups = new Map<string, { setup: DeclareFn; queues: string[] }>();
  private readonly listeners = new Set<(status: BrokerStatus) => void>();
  private readonly replyWaiters = new Set<() => void>();
  /** Bodies handed to the confirm channel at least once (each publish passes a Buffer of its own). */
  private readonly written = new WeakSet<Buffer>();

  constructor(private readonly options: RabbitBrokerOptions) {
    this.names = new TopologyNames(options.namespace);
    this.logger = options.logger ?? createMessagingLogger();
    this.prefetch = options.prefetch ?? 32;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 60_000;
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new BrokerClosedError(this.kind));
    this.connecting ??= this.doConnect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const manager = amqp.connect([this.options.url], {
      heartbeatIntervalInSeconds: this.options.heartbeatIntervalInSeconds ?? 5,
      reconnectTimeInSeconds: this.options.reconnectTimeInSeconds ?? 1,
      // noDelay: without it Nagle's algorithm holds small frames (RPCs, acks) back for tens of ms.
      connectionOptions: {
        noDelay: true,
        clientProperties: { connection_name: this.options.connectionName ?? 'vigil-messaging' },
      },
    });
    manager.on('connect', () => {
      if (this.everConnected) this.logger.warn({ broker: this.kind }, 'reconnected to RabbitMQ');
      else this.logger.info({ broker: this.kind }, 'connected to RabbitMQ');
      this.everConnected = true;
      this.emitStatus('connected');
    });
    manager.on('disconnect', ({ err }: { err: Error }) => {
      if (this.closed) return;
      this.logger.warn({ broker: this.kind, err: err?.message }, 'lost the RabbitMQ connection, reconnecting');
      this.emitStatus('disconnected');
    });
    manager.on('connectFailed', ({ err }: { err: Error }) => {
      if (!this.closed)
        this.logger.warn({ broker: this.kind, err: err?.message }, 'could not connect to RabbitMQ, retrying');
    });
    manager.on('blocked', ({ reason }: { reason: string }) =>
      this.logger.warn({ broker: this.kind, reason }, 'RabbitMQ blocked the connection (resource alarm)'),
    );
    manager.on('unblocked', () => this.logger.warn({ broker: this.kind }, 'RabbitMQ unblocked the connection'));
    this.manager = manager;
    try {
      await manager.connect({ timeout: this.connectTimeoutMs });
    } catch (error) {
      await manager.close().catch(() => undefined);
      this.manager = undefined;
      throw new BrokerUnavailableError(`cannot connect to RabbitMQ: ${(error as Error).message}`);
    }
    const names = this.names;
    this.publisher = manager.createChannel({
      name: 'publisher',
      confirm: true,
      setup: async (channel: ConfirmChannel) => {
        this.noteWrites(channel);
        await channel.assertExchange(names.events, 'topic', { durable: true });
        await channel.assertExchange(names.deadLetterExchange, 'direct', { durable: true });
      },
    });
    this.publisher.on('error', (err: Error) =>
      this.logger.warn({ err: err.message }, 'publisher channel setup failed (re-run on the next connection)'),
    );
    this.rpcChannel = manager.createChannel({
      name: 'rpc',
      confirm: false,
      setup: (channel: Channel) => this.setupReplyChannel(channel),
    });
    this.rpcChannel.on('error', (err: Error) =>
      this.logger.warn({ err: err.message }, 'RPC channel setup failed (re-run on the next connection)'),
    );
    await Promise.all([this.publisher.waitForConnect(), this.rpcChannel.waitForConnect()]);
  }

  /** Marks every body the wrapper writes on this channel (the wrapper's queue does not tell which it sent). */
  private noteWrites(channel: ConfirmChannel): void {
    const publish = channel.publish.bind(channel);
    channel.publish = (exchange, routingKey, content, options, callback) => {
      const room = publish(exchange, routingKey, content, options, callback);
      this.written.add(content);
      return room;
    };
  }

  private async setupReplyChannel(channel: Channel): Promise<void> {
    channel.on('return', (message: Message) => {
      const id = message.properties.correlationId as string | undefined;
      const pending = id ? this.pending.get(id) : undefined;
      if (!pending || !id) return;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new UnroutableError(pending.queue));
    });
    channel.on('close', () => {
      if (this.replyChannel === channel) this.replyChannel = undefined;
    });
    await channel.consume(
      DIRECT_REPLY_TO,
      (message) => {
        if (!message) return;
        const id = message.properties.correlationId as string | undefined;
        const pending = id ? this.pending.get(id) : undefined;
        if (!pending || !id) return; // late reply after a timeout
        this.pending.delete(id);
        clearTimeout(pending.timer);
        pending.resolve(message.content);
      },
      { noAck: true },
    );
    this.replyChannel = channel;
    for (const wake of this.replyWaiters) wake();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      request.reject(new BrokerClosedError(this.kind));
      this.pending.delete(id);
    }
    await this.connecting?.catch(() => undefined);
    const manager = this.manager;
    this.manager = undefined;
    if (manager)
      await manager
        .close()
        .catch((err: unknown) =>
          this.logger.warn({ err: (err as Error).message }, 'error while closing the RabbitMQ connection'),
        );
    this.emitStatus('disconnected');
  }

  isConnected(): boolean {
    return !this.closed && this.manager?.isConnected() === true;
  }

  async check(): Promise<void> {
    if (this.closed) throw new BrokerUnavailableError('RabbitMQ broker is closed');
    if (!this.isConnected()) throw new BrokerUnavailableError('not connected to RabbitMQ');
  }

  onStatus(listener: (status: BrokerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emitStatus(status: BrokerStatus): void {
    for (const listener of this.listeners) listener(status);
  }

  private requirePublisher(): ChannelWrapper {
    if (this.closed) throw new BrokerClosedError(this.kind);
    if (!this.publisher) throw new BrokerUnavailableError('RabbitMQ broker is not connected: call connect() first');
    return this.publisher;
  }

  async declareService(topology: ServiceTopology): Promise<void> {
    const publisher = this.requirePublisher();
    const { service } = topology;
    const names = this.names;
    const declarations: [string, DeclareFn][] = [];
    const bindings: DeclareFn[] = [];
    if (topology.events) {
      const serviceQueue = names.serviceQueue(service);
      const dlq = names.deadLetterQueue(service);
      // A message rejected without requeue lands in the service's DLQ too.
      declarations.push([
        serviceQueue,
        async (ch) =>
          void (await ch.assertQueue(serviceQueue, {
            durable: true,
            deadLetterExchange: names.deadLetterExchange,
            deadLetterRoutingKey: service,
          })),
      ]);
      declarations.push([dlq, async (ch) => void (await ch.assertQueue(dlq, { durable: true }))]);
      for (const delay of topology.retryDelaysMs) {
        const retryQueue = names.retryQueue(service, delay);
        declarations.push([
          retryQueue,
          async (ch) =>
            void (await ch.assertQueue(retryQueue, {
              durable: true,
              messageTtl: delay,
              deadLetterExchange: '',
              deadLetterRoutingKey: serviceQueue,
            })),
        ]);
      }
      bindings.push(async (ch) => {
        for (const key of topology.bindings) await ch.bindQueue(serviceQueue, names.events, key);
        await ch.bindQueue(dlq, names.deadLetterExchange, service);
      });
    }
    if (topology.rpc) {
      const rpcQueue = names.rpcQueue(service);
      declarations.push([rpcQueue, async (ch) => void (await ch.assertQueue(rpcQueue, { durable: true }))]);
    }
    for (const [queue, declare] of declarations) this.declarations.set(queue, declare);
    const setup: DeclareFn = async (channel) => {
      for (const [, declare] of declarations) await declare(channel);
      for (const bind of bindings) await bind(channel);
    };
    const previous = this.serviceSetups.get(service);
    if (previous) await publisher.removeSetup(previous.setup);
    this.serviceSetups.set(service, { setup, queues: declarations.map(([queue]) => queue) });
    try {
      // Runs now and again after every reconnect (a broker that lost its state gets it back).
      await publisher.addSetup(setup);
    } catch (error) {
      await publisher.removeSetup(setup).catch(() => undefined);
      this.serviceSetups.delete(service);
      throw error;
    }
  }

  async declareBroadcast(topology: BroadcastTopology): Promise<void> {
    const publisher = this.requirePublisher();
    const { queue } = topology;
    // Not durable, deleted with its last consumer, and expired if a crashed replica leaves it behind
    // (an exclusive one goes with the connection that declared it, crash or not).
    const declare: DeclareFn = async (ch) =>
      void (await ch.assertQueue(queue, {
        durable: false,
        autoDelete: true,
        arguments: { 'x-expires': BROADCAST_QUEUE_EXPIRES_MS },
      }));
    const setup: DeclareFn = async (ch) => {
      await declare(ch);
      for (const key of topology.bindings) await ch.bindQueue(queue, this.names.events, key);
    };
    if (topology.exclusive) {
      // Declared and bound by its consumer's channel, under a name of each connection's own
      // (`<queue>.<n>`): the broker may still hold the previous connection's queue for a while after
      // a reconnect (until it notices that connection is gone), and the same name would be refused.
      let generation = 0;
      this.replicaQueues.set(queue, async (ch) => {
        const name = `${queue}.${++generation}`;
        await ch.assertQueue(name, { durable: false, autoDelete: true, exclusive: true });
        for (const key of topology.bindings) await ch.bindQueue(name, this.names.events, key);
        return name;
      });
      return;
    }
    this.declarations.set(queue, declare);
    const previous = this.serviceSetups.get(queue);
    if (previous) await publisher.removeSetup(previous.setup);
    this.serviceSetups.set(queue, { setup, queues: [queue] });
    await publisher.addSetup(setup);
  }

  publish(routingKey: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void> {
    return this.publishTo(this.names.events, routingKey, body, options);
  }

  async publishTo(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: OutgoingMessageOptions = {},
  ): Promise<void> {
    const publisher = this.requirePublisher();
    // A Buffer object of this publish's own (same bytes, no copy): what the channel marks as written.
    const content = Buffer.from(body.buffer, body.byteOffset, body.length);
    const { withdrawAfterMs } = options;
    if (withdrawAfterMs === undefined) return this.deliver(publisher, exchange, routingKey, content, options);
    if (!Number.isFinite(withdrawAfterMs) || withdrawAfterMs <= 0)
      throw new RangeError(`withdrawAfterMs must be a positive number of milliseconds, got ${withdrawAfterMs}`);
    const withdrawAt = Date.now() + withdrawAfterMs;
    const delivery = this.deliver(publisher, exchange, routingKey, content, options, withdrawAt);
    return new Promise<void>((resolve, reject) => {
      let answered = false;
      const answer = (settle: () => void) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        settle();
      };
      // Written but unconfirmed at the deadline: possibly stored, so never withdrawn; seen through below.
      const timer = setTimeout(() => {
        if (this.written.has(content)) answer(resolve);
      }, withdrawAfterMs);
      delivery.then(
        () => answer(resolve),
        (error: unknown) => {
          if (!answered) return answer(() => reject(error as Error));
          this.logger.error(
            { err: (error as Error).message, exchange, routingKey, messageId: options.messageId },
            'a message answered as taken was never confirmed by RabbitMQ: it may be lost',
          );
        },
      );
    });
  }

  /**
   * Publishes until the broker confirms (at-least-once), within the publish timeout. With `withdrawAt`:
   * a message the channel has not written by then is withdrawn (the wrapper's timeout takes an unsent
   * message out of its queue) and PublishWithdrawnError thrown.
   */
  private async deliver(
    publisher: ChannelWrapper,
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: OutgoingMessageOptions,
    withdrawAt?: number,
  ): Promise<void> {
    const properties = publishProperties(options);
    const deadline = Date.now() + this.publishTimeoutMs;
    const unsent = () => withdrawAt !== undefined && !this.written.has(content);
    const withdrawn = () => new PublishWithdrawnError(routingKey, options.withdrawAfterMs ?? 0);
    for (let attempt = 1; ; attempt++) {
      if (unsent() && Date.now() >= withdrawAt!) throw withdrawn();
      const until = unsent() ? Math.min(deadline, withdrawAt!) : deadline;
      try {
        // The wrapper queues the message while disconnected and resolves on the broker's ack.
        await publisher.publish(exchange, routingKey, content, {
          ...properties,
          timeout: Math.max(1, until - Date.now()),
        });
        return;
      } catch (error) {
        if (this.closed) throw new BrokerClosedError(this.kind);
        if (unsent() && Date.now() >= withdrawAt!) throw withdrawn();
        if (isPermanentPublishError(error) || Date.now() >= deadline) throw error;
        // Lost with its channel before the confirm, or nacked: publish again (at-least-once).
        this.logger.debug(
          { err: (error as Error).message, exchange, routingKey, attempt },
          'publish not confirmed, publishing again',
        );
        await sleep(Math.min(50 * attempt, 1_000));
      }
    }
  }

  sendToQueue(queue: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void> {
    return this.publishTo('', queue, body, options);
  }

  async consume(queue: string, handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<ConsumerHandle> {
    const manager = this.manager;
    if (this.closed) throw new BrokerClosedError(this.kind);
    if (!manager) throw new BrokerUnavailableError('RabbitMQ broker is not connected: call connect() first');
    const prefetch = Math.max(1, options.prefetch ?? this.prefetch);
    let current: { channel: Channel; consumerTag: string; acks: AckCoalescer } | undefined;
    let cancelled = false;
    let firstSetup = true;
    let firstError: unknown;
    const setup = async (channel: Channel) => {
      const isFirst = firstSetup;
      firstSetup = false;
      if (cancelled) return;
      try {
        // Re-declare our queue first: after a broker restart without state it may be gone.
        const replica = this.replicaQueues.get(queue);
        if (!replica) await this.declarations.get(queue)?.(channel);
        const source = replica ? await replica(channel) : queue;
        await channel.prefetch(prefetch);
        const acks = new AckCoalescer(channel);
        const { consumerTag } = await channel.consume(source, (message) => {
          if (message) this.dispatch(channel, acks, message, handler, queue);
          else this.logger.warn({ queue }, 'the broker cancelled our consumer');
        });
        current = { channel, consumerTag, acks };
      } catch (error) {
        if (isFirst) firstError = error;
        throw error;
      }
    };
    const wrapper = manager.createChannel({ name: `consumer:${queue}`, confirm: false, setup });
    wrapper.on('error', (err: Error) =>
      this.logger.warn({ queue, err: err.message }, 'consumer channel setup failed (re-run on the next connection)'),
    );
    await wrapper.waitForConnect();
    if (firstError) {
      await wrapper.close().catch(() => undefined);
      throw firstError;
    }
    return {
      cancel: async () => {
        cancelled = true;
        await wrapper.removeSetup(setup).catch(() => undefined);
        const active = current;
        if (active) await active.channel.cancel(active.consumerTag).catch(() => undefined);
      },
      close: async () => {
        cancelled = true;
        // The acks of the handlers that just finished go out before the channel closes.
        current?.acks.flush();
        current = undefined;
        await wrapper.close().catch(() => undefined);
      },
    };
  }

  private dispatch(
    channel: Channel,
    acks: AckCoalescer,
    message: ConsumeMessage,
    handler: DeliveryHandler,
    queue: string,
  ): void {
    acks.received(message.fields.deliveryTag);
    const { properties, fields } = message;
    let settled = false;
    const settle = (action: () => void, what: string) => {
      if (settled) return;
      settled = true;
      try {
        action();
      } catch (error) {
        // The channel died with the connection: the broker redelivers the message.
        this.logger.debug(
          { queue, err: (error as Error).message },
          `${what} lost with its channel; the message will be redelivered`,
        );
      }
    };
    const delivery: Delivery = {
      body: message.content,
      exchange: fields.exchange,
      routingKey: fields.routingKey,
      headers: (properties.headers ?? {}) as MessageHeaders,
      messageId: properties.messageId as string | undefined,
      correlationId: properties.correlationId as string | undefined,
      replyTo: properties.replyTo as string | undefined,
      appId: properties.appId as string | undefined,
      redelivered: fields.redelivered,
      ack: () => settle(() => acks.ack(message.fields.deliveryTag), 'ack'),
      nack: (requeue: boolean) =>
        settle(() => {
          acks.settledElsewise(message.fields.deliveryTag);
          channel.nack(message, false, requeue);
        }, 'nack'),
      reply: async (body: Buffer) => {
        const replyTo = properties.replyTo as string | undefined;
        if (!replyTo) throw new Error('reply() on a message without replyTo');
        channel.publish('', replyTo, body, {
          correlationId: properties.correlationId as string | undefined,
          contentType: 'application/json',
        });
      },
    };
    try {
      const result = handler(delivery);
      if (result instanceof Promise)
        result.catch((error: unknown) => this.logger.error({ err: error, queue }, 'consumer handler failed'));
    } catch (error) {
      this.logger.error({ err: error, queue }, 'consumer handler failed');
    }
  }

  async request(queue: string, body: Buffer, options: RequestOptions): Promise<Buffer> {
    if (this.closed) throw new BrokerClosedError(this.kind);
    const started = Date.now();
    const channel = this.replyChannel ?? (await this.waitForReplyChannel(options.timeoutMs));
    if (!channel) throw new RequestTimeoutError(queue, options.timeoutMs);
    const remaining = Math.max(1, options.timeoutMs - (Date.now() - started));
    const correlationId = options.correlationId ?? randomUUID();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RequestTimeoutError(queue, options.timeoutMs));
      }, remaining);
      this.pending.set(correlationId, { resolve, reject, timer, queue });
      try {
        // RPC requests are transient on purpose: non-persistent (a query nobody waits for any more
        // is worthless after a broker restart) and expiring with the caller's timeout, so a backlog
        // of abandoned requests never reaches a handler. `mandatory` fails fast when the service's
        // RPC queue does not exist.
        channel.publish('', queue, body, {
          replyTo: DIRECT_REPLY_TO,
          correlationId,
          expiration: String(Math.ceil(remaining)),
          persistent: false,
          mandatory: true,
          contentType: 'application/json',
          ...(options.messageId ? { messageId: options.messageId } : {}),
          ...(options.appId ? { appId: options.appId } : {}),
          ...(options.headers ? { headers: options.headers } : {}),
        });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(correlationId);
        reject(error as Error);
      }
    });
  }

  private waitForReplyChannel(timeoutMs: number): Promise<Channel | undefined> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.replyWaiters.delete(wake);
        resolve(this.replyChannel);
      };
      const timer = setTimeout(wake, timeoutMs);
      this.replyWaiters.add(wake);
    });
  }

  private async withAdminChannel<T>(fn: (channel: Channel) => Promise<T>): Promise<T> {
    const connection = this.manager?.connection;
    if (this.closed) throw new BrokerClosedError(this.kind);
    if (!connection) throw new BrokerUnavailableError('not connected to RabbitMQ');
    const channel = await connection.createChannel();
    // A failing operation closes this throw-away channel; the error comes back as its rejection.
    channel.on('error', () => undefined);
    try {
      return await fn(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async deleteQueue(queue: string): Promise<void> {
    this.declarations.delete(queue);
    // An exclusive broadcast queue goes with its consumer; only its declaration is left to forget.
    if (this.replicaQueues.delete(queue)) return;
    // Forget the topology that declares it, or the next reconnection would bring it back.
    for (const [service, entry] of this.serviceSetups) {
      if (!entry.queues.includes(queue)) continue;
      this.serviceSetups.delete(service);
      await this.publisher?.removeSetup(entry.setup).catch(() => undefined);
    }
    await this.withAdminChannel(async (channel) => void (await channel.deleteQueue(queue)));
  }

  deleteExchange(exchange: string): Promise<void> {
    return this.withAdminChannel(async (channel) => void (await channel.deleteExchange(exchange)));
  }
}

/**
 * The acks of one consumer channel, sent once per turn of the event loop: the longest run of settled
 * deliveries from the oldest outstanding one as a single `multiple` ack, the others one by one (a
 * slow handler at the head never holds back the acks of those done after it). A batching consumer
 * settles hundreds of deliveries at once; one frame instead of hundreds saves the broker and this
 * process a write and a parse each.
 */
class AckCoalescer {
  /** Delivery tags received and not yet settled, in the order the broker sent them (ascending). */
  private readonly outstanding = new Set<number>();
  private readonly acked = new Set<number>();
  private scheduled = false;

  constructor(private readonly channel: Channel) {}

  received(tag: number): void {
    this.outstanding.add(tag);
  }

  ack(tag: number): void {
    this.acked.add(tag);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Nacked (or otherwise settled) now, by the caller: no longer outstanding. */
  settledElsewise(tag: number): void {
    this.outstanding.delete(tag);
    this.acked.delete(tag);
  }

  /** Sends what is settled now (a channel about to close first sends its acks). */
  flush(): void {
    this.scheduled = false;
    let upTo: number | undefined;
    for (const tag of this.outstanding) {
      if (!this.acked.has(tag)) break;
      upTo = tag;
      this.outstanding.delete(tag);
      this.acked.delete(tag);
    }
    try {
      if (upTo !== undefined) this.channel.ack(deliveryTagged(upTo), true);
      for (const tag of this.acked) {
        this.channel.ack(deliveryTagged(tag), false);
        this.outstanding.delete(tag);
      }
    } catch {
      // The channel died with the connection: the broker redelivers what was not acked.
    } finally {
      this.acked.clear();
    }
  }
}

/** What amqplib's ack reads of a message: its delivery tag. */
function deliveryTagged(tag: number): Message {
  return { fields: { deliveryTag: tag } } as unknown as Message;
}
