import type { BroadcastTopology, ServiceTopology, TopologyNames } from './topology.js';

export type BrokerKind = 'rabbitmq' | 'embedded';

/** AMQP-style header table: JSON-compatible values. */
export type MessageHeaders = Record<string, unknown>;

export interface OutgoingMessageOptions {
  headers?: MessageHeaders;
  messageId?: string;
  /** AMQP correlation id property (events: the envelope's correlation id). */
  correlationId?: string;
  /** Default `application/json`. */
  contentType?: string;
  /** Default true (delivery mode 2). */
  persistent?: boolean;
  /** AMQP app-id property: the producing service. */
  appId?: string;
  /**
   * For a publisher that must answer someone in bounded time (the gateway's ingest). A message not
   * yet written to the broker's connection this many ms after publish() is withdrawn (never sent)
   * and publish() rejects with PublishWithdrawnError. A message written by then may already be
   * stored, so it is never withdrawn: publish() resolves at this deadline at the latest, and the
   * client goes on publishing it (same message id, which consumers deduplicate) until it is
   * confirmed or the client's publish timeout ends, logging it as an error then. On the embedded
   * broker (memory only), such a publish is taken once its consumers acked it (docs/decisions.md,
   * D20). Default: none.
   */
  withdrawAfterMs?: number;
}

/** A message handed to a consumer. Exactly one of ack()/nack() must be called. */
export interface Delivery {
  readonly body: Buffer;
  readonly exchange: string;
  readonly routingKey: string;
  readonly headers: MessageHeaders;
  readonly messageId?: string;
  readonly correlationId?: string;
  readonly replyTo?: string;
  readonly appId?: string;
  readonly redelivered: boolean;
  ack(): void;
  /** requeue=false dead-letters (or drops) the message per its queue's arguments. */
  nack(requeue: boolean): void;
  /** Sends an RPC reply to `replyTo`, carrying this delivery's correlation id. */
  reply(body: Buffer): Promise<void>;
}

export type DeliveryHandler = (delivery: Delivery) => void | Promise<unknown>;

export interface ConsumeOptions {
  /** Max unacknowledged deliveries to this consumer (default: the broker's prefetch). */
  prefetch?: number;
}

export interface ConsumerHandle {
  /** Stops new deliveries; deliveries already handed out can still be acked. */
  cancel(): Promise<void>;
  /** Releases the consumer; anything still unacked goes back to the queue. */
  close(): Promise<void>;
}

export interface RequestOptions {
  timeoutMs: number;
  appId?: string;
  /** Reply-matching id; generated when absent. */
  correlationId?: string;
  messageId?: string;
  headers?: MessageHeaders;
}

export type BrokerStatus = 'connected' | 'disconnected';

/**
 * The transport-level port: RabbitMQ (RabbitBroker) or in-process (EmbeddedBroker), with the same
 * semantics. Everything above it (pipeline, VigilBusServer, VigilBusClient) is transport-agnostic.
 */
export interface MessageBroker {
  readonly kind: BrokerKind;
  readonly names: TopologyNames;
  /** Connects (idempotent) and declares the exchanges. */
  connect(): Promise<void>;
  close(): Promise<void>;
  isConnected(): boolean;
  /** Resolves when the broker is usable, throws BrokerUnavailableError otherwise (readiness probe). */
  check(): Promise<void>;
  /** Listens to connection status changes; returns an unsubscribe function. */
  onStatus(listener: (status: BrokerStatus) => void): () => void;
  /** Declares a service's queues, bindings, delay and dead-letter queues (idempotent; re-applied after reconnects). */
  declareService(topology: ServiceTopology): Promise<void>;
  /**
   * Declares a replica's broadcast queue: gone when the replica is (deleted with its last consumer),
   * re-declared on reconnect; `exclusive`: the consuming connection's alone, gone with it (on
   * RabbitMQ declared by its consumer, so consume() right after).
   */
  declareBroadcast(topology: BroadcastTopology): Promise<void>;
  /** Publishes raw bytes to the events exchange; resolves once the broker has confirmed it. */
  publish(routingKey: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void>;
  /** Publishes to any exchange ('' is the default exchange); resolves after confirm. */
  publishTo(exchange: string, routingKey: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void>;
  /** Publishes straight to a queue; resolves after confirm. */
  sendToQueue(queue: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void>;
  consume(queue: string, handler: DeliveryHandler, options?: ConsumeOptions): Promise<ConsumerHandle>;
  /** Request/reply: sends `body` to `queue` and resolves with the reply body. */
  request(queue: string, body: Buffer, options: RequestOptions): Promise<Buffer>;
  deleteQueue(queue: string): Promise<void>;
  deleteExchange(exchange: string): Promise<void>;
}
