import { randomUUID } from 'node:crypto';
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
import { topicMatches } from './topic.js';
import { DIRECT_REPLY_TO, TopologyNames, type BroadcastTopology, type ServiceTopology } from './topology.js';

export interface EmbeddedBrokerOptions {
  namespace?: string;
  logger?: Logger;
  /** Default prefetch of consumers (default 32). */
  prefetch?: number;
}

interface StoredMessage {
  body: Buffer;
  exchange: string;
  routingKey: string;
  headers: MessageHeaders;
  messageId?: string;
  correlationId?: string;
  replyTo?: string;
  appId?: string;
  /** Absolute expiry (ms since epoch) from a per-message expiration. */
  expiresAt?: number;
  redelivered: boolean;
  /** This copy's part in a publish that waits for its consumers (see Handoff). */
  handoff?: HandoffCopy;
}

/**
 * A publish with `withdrawAfterMs` (the gateway's ingest, which answers someone): nothing in this
 * broker outlives the process, so such a publish is taken only once every queue it was routed to
 * has had it acked by a consumer, which stored it first. At the deadline, copies never delivered are
 * withdrawn; if none was delivered the publish fails with PublishWithdrawnError (nothing will be
 * stored), else it resolves then (a consumer has it in hand), as on RabbitMQ.
 */
class Handoff {
  readonly copies: HandoffCopy[] = [];
  private timer: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  start(withdrawAfterMs: number, routingKey: string): void {
    if (this.check()) return;
    this.timer = setTimeout(() => {
      if (this.finished) return;
      const delivered = this.copies.some((copy) => copy.state !== 'queued');
      for (const copy of this.copies)
        if (copy.state === 'queued' && copy.queue.messages.remove(copy.message)) copy.state = 'withdrawn';
      this.finish();
      if (delivered) this.resolve();
      else this.reject(new PublishWithdrawnError(routingKey, withdrawAfterMs));
    }, withdrawAfterMs);
    this.timer.unref();
  }

  /** Resolves once every copy is settled; true when it did. */
  check(): boolean {
    if (this.finished || this.copies.some((copy) => copy.state === 'queued' || copy.state === 'delivered'))
      return false;
    this.finish();
    this.resolve();
    return true;
  }

  private finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
  }
}

interface HandoffCopy {
  readonly owner: Handoff;
  queue: EmbeddedQueue;
  /** The object in the queue now (a requeued copy is a new object). */
  message: StoredMessage;
  state: 'queued' | 'delivered' | 'settled' | 'withdrawn';
}

/** A message taken off a queue by inspectQueue().take(). */
export interface InspectedMessage {
  readonly body: Buffer;
  readonly routingKey: string;
  readonly headers: MessageHeaders;
  readonly messageId?: string;
  readonly correlationId?: string;
}

interface DeadLetterTarget {
  exchange: string;
  routingKey?: string;
}

interface QueueOptions {
  ttlMs?: number;
  deadLetter?: DeadLetterTarget;
  /** Deleted, bindings and all, when its last consumer leaves (a replica's broadcast queue). */
  autoDelete?: boolean;
  /** One consumer at a time: a second is refused, as RabbitMQ refuses another connection. */
  exclusive?: boolean;
}

interface Exchange {
  type: 'topic' | 'direct';
  bindings: { queue: string; key: string }[];
}

/** FIFO with O(1) shift and unshift at the head (requeue). */
class MessageList {
  private items: (StoredMessage | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(message: StoredMessage): void {
    this.items.push(message);
  }

  unshift(message: StoredMessage): void {
    if (this.head > 0) this.items[--this.head] = message;
    else this.items.unshift(message);
  }

  shift(): StoredMessage | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  remove(message: StoredMessage): boolean {
    const index = this.items.indexOf(message, this.head);
    if (index === -1) return false;
    this.items.splice(index, 1);
    return true;
  }
}

class EmbeddedQueue {
  readonly messages = new MessageList();
  readonly consumers: EmbeddedConsumer[] = [];
  readonly timers = new Set<NodeJS.Timeout>();
  next = 0;
  pumpScheduled = false;
  constructor(
    readonly name: string,
    readonly options: QueueOptions,
  ) {}
}

class EmbeddedConsumer {
  readonly unacked = new Set<StoredMessage>();
  active = true;
  constructor(
    readonly queue: EmbeddedQueue,
    readonly handler: DeliveryHandler,
    readonly prefetch: number,
  ) {}
}

interface PendingRequest {
  resolve(body: Buffer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * In-process broker for standalone mode: one instance is shared by all apps of the process.
 * Same semantics as the RabbitMQ topology: topic routing with `*`/`#`, fan-out to every bound
 * queue, per-consumer prefetch, ack/nack, per-queue TTL dead-lettering (delay queues), per-message
 * expiration, dead-letter exchanges, direct reply-to. Bodies are kept as Buffers, as on the wire.
 * Nothing survives the process: it is a bus, not a store.
 */
export class EmbeddedBroker implements MessageBroker {
  readonly kind = 'embedded' as const;
  readonly names: TopologyNames;
  private readonly logger: Logger;
  private readonly prefetch: number;
  private readonly queues = new Map<string, EmbeddedQueue>();
  private readonly exchanges = new Map<string, Exchange>();
  private readonly pending = new Map<string, PendingRequest>();
  private readonly listeners = new Set<(status: BrokerStatus) => void>();
  private state: 'new' | 'connected' | 'closed' = 'new';

  constructor(options: EmbeddedBrokerOptions = {}) {
    this.names = new TopologyNames(options.namespace);
    this.logger = options.logger ?? createMessagingLogger();
    this.prefetch = options.prefetch ?? 32;
  }

  async connect(): Promise<void> {
    if (this.state === 'closed') throw new BrokerClosedError(this.kind);
    if (this.state === 'connected') return;
    this.exchanges.set(this.names.events, { type: 'topic', bindings: [] });
    this.exchanges.set(this.names.deadLetterExchange, { type: 'direct', bindings: [] });
    this.state = 'connected';
    for (const listener of this.listeners) listener('connected');
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const queue of this.queues.values()) {
      for (const timer of queue.timers) clearTimeout(timer);
      queue.timers.clear();
      for (const consumer of queue.consumers) consumer.active = false;
    }
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      request.reject(new BrokerClosedError(this.kind));
      this.pending.delete(id);
    }
    for (const listener of this.listeners) listener('disconnected');
  }

  isConnected(): boolean {
    return this.state === 'connected';
  }

  async check(): Promise<void> {
    if (this.state !== 'connected')
      throw new BrokerUnavailableError(`embedded broker is ${this.state === 'new' ? 'not connected' : 'closed'}`);
  }

  onStatus(listener: (status: BrokerStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async declareService(topology: ServiceTopology): Promise<void> {
    this.ensureOpen();
    const { service } = topology;
    const names = this.names;
    if (topology.events) {
      const serviceQueue = names.serviceQueue(service);
      this.assertQueue(serviceQueue, { deadLetter: { exchange: names.deadLetterExchange, routingKey: service } });
      for (const key of topology.bindings) this.bind(names.events, serviceQueue, key);
      this.assertQueue(names.deadLetterQueue(service), {});
      this.bind(names.deadLetterExchange, names.deadLetterQueue(service), service);
      for (const delay of topology.retryDelaysMs) {
        this.assertQueue(names.retryQueue(service, delay), {
          ttlMs: delay,
          deadLetter: { exchange: '', routingKey: serviceQueue },
        });
      }
    }
    if (topology.rpc) this.assertQueue(names.rpcQueue(service), {});
  }

  async declareBroadcast(topology: BroadcastTopology): Promise<void> {
    this.ensureOpen();
    this.assertQueue(topology.queue, { autoDelete: true, exclusive: topology.exclusive === true });
    for (const key of topology.bindings) this.bind(this.names.events, topology.queue, key);
  }

  async publish(routingKey: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void> {
    return this.publishTo(this.names.events, routingKey, body, options);
  }

  async publishTo(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: OutgoingMessageOptions = {},
  ): Promise<void> {
    this.ensureOpen();
    const message = this.message(exchange, routingKey, body, options);
    if (options.withdrawAfterMs === undefined) {
      this.route(exchange, routingKey, message);
      return;
    }
    const withdrawAfterMs = options.withdrawAfterMs;
    return new Promise<void>((resolve, reject) => {
      const handoff = new Handoff(resolve, reject);
      this.route(exchange, routingKey, message, handoff);
      handoff.start(withdrawAfterMs, routingKey);
    });
  }

  async sendToQueue(queue: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void> {
    return this.publishTo('', queue, body, options);
  }

  async consume(queueName: string, handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<ConsumerHandle> {
    this.ensureOpen();
    const queue = this.queues.get(queueName);
    if (!queue) throw new Error(`embedded broker: no queue ${queueName}`);
    if (queue.options.exclusive && queue.consumers.length > 0)
      throw new Error(`embedded broker: queue ${queueName} is exclusive and already has its consumer`);
    const consumer = new EmbeddedConsumer(queue, handler, Math.max(1, options.prefetch ?? this.prefetch));
    queue.consumers.push(consumer);
    this.schedulePump(queue);
    const leave = () => {
      consumer.active = false;
      const index = queue.consumers.indexOf(consumer);
      if (index !== -1) queue.consumers.splice(index, 1);
      if (queue.options.autoDelete && queue.consumers.length === 0 && this.queues.get(queue.name) === queue)
        void this.deleteQueue(queue.name);
    };
    return {
      cancel: async () => leave(),
      close: async () => {
        leave();
        // Like a closed channel: whatever is still unacked goes back, marked redelivered.
        const unacked = [...consumer.unacked].reverse();
        consumer.unacked.clear();
        for (const message of unacked) queue.messages.unshift({ ...message, redelivered: true });
        if (unacked.length) this.schedulePump(queue);
      },
    };
  }

  async request(queue: string, body: Buffer, options: RequestOptions): Promise<Buffer> {
    this.ensureOpen();
    if (!this.queues.has(queue)) throw new UnroutableError(queue);
    const correlationId = options.correlationId ?? randomUUID();
    const replyTo = `${DIRECT_REPLY_TO}.${randomUUID()}`;
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(replyTo);
        reject(new RequestTimeoutError(queue, options.timeoutMs));
      }, options.timeoutMs);
      this.pending.set(replyTo, { resolve, reject, timer });
      const message = this.message('', queue, body, {
        headers: options.headers,
        messageId: options.messageId,
        appId: options.appId,
        correlationId,
        persistent: false,
      });
      message.replyTo = replyTo;
      // Requests nobody picked up in time are dropped, as RabbitMQ does with `expiration`.
      message.expiresAt = Date.now() + options.timeoutMs;
      this.route('', queue, message);
    });
  }

  /**
   * A queue's ready messages, for tests (the MessageBroker port has no such operation): how many
   * there are, and take() to remove the first one.
   */
  inspectQueue(name: string): { readonly depth: number; take(): InspectedMessage | undefined } {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`embedded broker: no queue ${name}`);
    return {
      get depth() {
        return queue.messages.length;
      },
      take() {
        const message = queue.messages.shift();
        if (!message) return undefined;
        const { body, routingKey, headers, messageId, correlationId } = message;
        return { body, routingKey, headers, messageId, correlationId };
      },
    };
  }

  async deleteQueue(name: string): Promise<void> {
    const queue = this.queues.get(name);
    if (!queue) return;
    for (const timer of queue.timers) clearTimeout(timer);
    for (const consumer of queue.consumers) consumer.active = false;
    this.queues.delete(name);
    for (const exchange of this.exchanges.values())
      exchange.bindings = exchange.bindings.filter((b) => b.queue !== name);
  }

  async deleteExchange(name: string): Promise<void> {
    this.exchanges.delete(name);
  }

  private ensureOpen(): void {
    if (this.state === 'closed') throw new BrokerClosedError(this.kind);
    if (this.state === 'new')
      throw new BrokerUnavailableError('embedded broker is not connected: call connect() first');
  }

  private assertQueue(name: string, options: QueueOptions): void {
    if (!this.queues.has(name)) this.queues.set(name, new EmbeddedQueue(name, options));
  }

  private bind(exchangeName: string, queue: string, key: string): void {
    const exchange = this.exchanges.get(exchangeName);
    if (!exchange) throw new Error(`embedded broker: no exchange ${exchangeName}`);
    if (!exchange.bindings.some((b) => b.queue === queue && b.key === key)) exchange.bindings.push({ queue, key });
  }

  private message(exchange: string, routingKey: string, body: Buffer, options: OutgoingMessageOptions): StoredMessage {
    return {
      // Copy: the broker owns its bytes, like a real one (the caller may reuse its buffer).
      body: Buffer.from(body),
      exchange,
      routingKey,
      headers: { ...(options.headers ?? {}) },
      messageId: options.messageId,
      correlationId: options.correlationId,
      appId: options.appId,
      redelivered: false,
    };
  }

  private route(exchangeName: string, routingKey: string, message: StoredMessage, handoff?: Handoff): void {
    const enqueue = (queue: EmbeddedQueue, copy: StoredMessage) => {
      if (handoff) {
        copy.handoff = { owner: handoff, queue, message: copy, state: 'queued' };
        handoff.copies.push(copy.handoff);
      }
      this.enqueue(queue, copy);
    };
    if (exchangeName === '') {
      const queue = this.queues.get(routingKey);
      if (queue) enqueue(queue, message);
      return; // unroutable: dropped, as on RabbitMQ without `mandatory`
    }
    const exchange = this.exchanges.get(exchangeName);
    if (!exchange) throw new Error(`embedded broker: no exchange ${exchangeName}`);
    const targets = new Set<string>();
    for (const binding of exchange.bindings) {
      if (exchange.type === 'topic' ? topicMatches(binding.key, routingKey) : binding.key === routingKey)
        targets.add(binding.queue);
    }
    let first = true;
    for (const name of targets) {
      const queue = this.queues.get(name);
      if (!queue) continue;
      // Each queue gets its own copy (headers are mutable objects).
      enqueue(queue, first ? message : { ...message, headers: { ...message.headers } });
      first = false;
    }
  }

  private enqueue(queue: EmbeddedQueue, message: StoredMessage): void {
    queue.messages.push(message);
    const ttl = queue.options.ttlMs;
    if (ttl !== undefined) {
      const timer = setTimeout(() => {
        queue.timers.delete(timer);
        if (this.state !== 'connected' || !queue.messages.remove(message)) return;
        this.deadLetter(queue, message, 'expired');
      }, ttl);
      queue.timers.add(timer);
    }
    this.schedulePump(queue);
  }

  private deadLetter(queue: EmbeddedQueue, message: StoredMessage, reason: 'expired' | 'rejected'): void {
    this.settleHandoff(message);
    const target = queue.options.deadLetter;
    if (!target) return;
    const routingKey = target.routingKey ?? message.routingKey;
    const headers = {
      ...message.headers,
      'x-first-death-queue': message.headers['x-first-death-queue'] ?? queue.name,
      'x-first-death-reason': message.headers['x-first-death-reason'] ?? reason,
    };
    this.route(target.exchange, routingKey, {
      ...message,
      exchange: target.exchange,
      routingKey,
      headers,
      redelivered: false,
      expiresAt: undefined,
      handoff: undefined,
    });
  }

  /** A copy that left its queue for good (acked, dead-lettered, expired). */
  private settleHandoff(message: StoredMessage): void {
    const copy = message.handoff;
    if (!copy || copy.state === 'settled' || copy.state === 'withdrawn') return;
    copy.state = 'settled';
    copy.owner.check();
  }

  private schedulePump(queue: EmbeddedQueue): void {
    if (queue.pumpScheduled || queue.consumers.length === 0) return;
    queue.pumpScheduled = true;
    setImmediate(() => {
      queue.pumpScheduled = false;
      this.pump(queue);
    });
  }

  private pump(queue: EmbeddedQueue): void {
    if (this.state !== 'connected') return;
    while (queue.messages.length > 0) {
      const consumer = this.pickConsumer(queue);
      if (!consumer) return;
      const message = queue.messages.shift()!;
      if (message.expiresAt !== undefined && message.expiresAt <= Date.now()) {
        this.deadLetter(queue, message, 'expired');
        continue;
      }
      consumer.unacked.add(message);
      if (message.handoff) message.handoff.state = 'delivered';
      this.deliver(consumer, message);
    }
  }

  private pickConsumer(queue: EmbeddedQueue): EmbeddedConsumer | undefined {
    const count = queue.consumers.length;
    for (let i = 0; i < count; i++) {
      const consumer = queue.consumers[(queue.next + i) % count];
      if (consumer.active && consumer.unacked.size < consumer.prefetch) {
        queue.next = (queue.next + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  private deliver(consumer: EmbeddedConsumer, message: StoredMessage): void {
    const queue = consumer.queue;
    let settled = false;
    const settle = (): boolean => {
      if (settled || !consumer.unacked.delete(message)) {
        settled = true;
        return false;
      }
      settled = true;
      this.schedulePump(queue);
      return true;
    };
    const delivery: Delivery = {
      body: message.body,
      exchange: message.exchange,
      routingKey: message.routingKey,
      headers: message.headers,
      messageId: message.messageId,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
      appId: message.appId,
      redelivered: message.redelivered,
      ack: () => {
        if (settle()) this.settleHandoff(message);
      },
      nack: (requeue: boolean) => {
        if (!settle()) return;
        if (requeue) {
          const again = { ...message, redelivered: true };
          if (again.handoff) {
            again.handoff.message = again;
            again.handoff.state = 'queued';
          }
          queue.messages.unshift(again);
          this.schedulePump(queue);
        } else this.deadLetter(queue, message, 'rejected');
      },
      reply: async (body: Buffer) => {
        if (!message.replyTo) throw new Error('reply() on a message without replyTo');
        const pending = this.pending.get(message.replyTo);
        if (!pending) return; // the requester gave up: a reply to nobody is dropped
        this.pending.delete(message.replyTo);
        clearTimeout(pending.timer);
        const copy = Buffer.from(body);
        setImmediate(() => pending.resolve(copy));
      },
    };
    try {
      const result = consumer.handler(delivery);
      if (result instanceof Promise)
        result.catch((error: unknown) =>
          this.logger.error({ err: error, queue: queue.name }, 'embedded broker: consumer handler failed'),
        );
    } catch (error) {
      this.logger.error({ err: error, queue: queue.name }, 'embedded broker: consumer handler failed');
    }
  }
}
