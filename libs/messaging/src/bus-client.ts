import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import {
  createEnvelope,
  payloadClassOf,
  serviceOfPattern,
  validateEnvelope,
  type Actor,
  type Envelope,
  type ServiceName,
} from '@vigil/contracts';
import { Registry } from 'prom-client';
import type { MessageBroker } from './broker.js';
import { currentMessageContext } from './context.js';
import {
  InvalidMessageError,
  RequestTimeoutError,
  RpcRemoteError,
  RpcTimeoutError,
  UnroutableError,
} from './errors.js';
import { createMessagingLogger, type Logger } from './logger.js';
import { MessagingMetrics, type RpcOutcome } from './metrics.js';
import { decodeReply } from './rpc.js';
import { routingKeyLabel } from './topic.js';

/** What a producer supplies; the client fills id, type, occurredAt, schemaVersion and correlationId. */
export interface MessageInit<P = object> {
  tenantId: string;
  payload: P;
  /** Defaults to the correlation id of the message being handled (currentMessageContext), else a new chain. */
  correlationId?: string;
  actor?: Actor;
  schemaVersion?: number;
}

export interface BusClientOptions {
  /** The sending service (metrics label, producer header). */
  service: ServiceName;
  registry?: Registry;
  logger?: Logger;
  /** Default RPC timeout (default 5 s). */
  rpcTimeoutMs?: number;
  /** Close the broker in close(). Default false. */
  closeBroker?: boolean;
  /**
   * Validate every outgoing payload against its contract class before sending (default false).
   * Consumers always validate (and dead-letter what fails); this catches a producer's bug at the
   * producer, at some 60-120 µs per small message and as much again per alert of an ingest batch
   * (a second of the gateway's time for 10 000 alerts), which is why it is off by default. The
   * routing key, the tenantId and that the payload is an object are always checked.
   */
  validateOutgoing?: boolean;
}

export interface PublishCallOptions {
  /** See OutgoingMessageOptions.withdrawAfterMs: a bounded wait that never withdraws a message already sent. */
  withdrawAfterMs?: number;
}

export interface RequestCallOptions {
  timeoutMs?: number;
}

function isMessageInit(value: unknown): value is MessageInit<object> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as MessageInit).tenantId === 'string' &&
    'payload' in value
  );
}

/**
 * Producer side of the Vigil bus, usable as a Nest ClientProxy (`emit` for events, `send` for RPC,
 * both taking a MessageInit as data) or through its promise API (`publish`, `request`).
 * Before an envelope leaves, its routing key, tenant and payload shape (a JSON object) are checked:
 * an unknown pattern or a missing tenant fails here, at its producer. The payload's contract is
 * checked by the consumer, which dead-letters what does not validate; `validateOutgoing` checks it
 * here too.
 */
export class VigilBusClient extends ClientProxy {
  readonly service: ServiceName;
  private readonly log: Logger;
  private readonly metrics: MessagingMetrics;
  private readonly rpcTimeoutMs: number;

  constructor(
    readonly broker: MessageBroker,
    private readonly options: BusClientOptions,
  ) {
    super();
    this.service = options.service;
    this.log = options.logger ?? createMessagingLogger().child({ service: options.service });
    this.metrics = MessagingMetrics.of(options.registry ?? new Registry());
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 5_000;
  }

  async connect(): Promise<void> {
    await this.broker.connect();
  }

  async close(): Promise<void> {
    if (this.options.closeBroker) await this.broker.close();
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  /** Builds, validates and sends an event; resolves with the envelope once the broker confirmed it. */
  override publish<P extends object>(
    routingKey: string,
    init: MessageInit<P>,
    options?: PublishCallOptions,
  ): Promise<Envelope<P>>;
  /** ClientProxy's transport hook for `send()` (RPC). */
  override publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void;
  override publish<P extends object>(
    first: string | ReadPacket,
    second: MessageInit<P> | ((packet: WritePacket) => void),
    options: PublishCallOptions = {},
  ): Promise<Envelope<P>> | (() => void) {
    if (typeof first === 'string') return this.publishEvent(first, second as MessageInit<P>, options);
    return this.sendPacket(first, second as (packet: WritePacket) => void);
  }

  /** Sends an RPC request to the service named by the pattern's first segment and resolves with its reply. */
  async request<TReply = unknown, P extends object = object>(
    pattern: string,
    init: MessageInit<P>,
    options: RequestCallOptions = {},
  ): Promise<TReply> {
    const service = serviceOfPattern(pattern);
    const timeoutMs = options.timeoutMs ?? this.rpcTimeoutMs;
    const envelope = this.envelope(pattern, init);
    if (!this.broker.isConnected()) await this.broker.connect();
    const started = process.hrtime.bigint();
    let outcome: RpcOutcome = 'error';
    try {
      let body: Buffer;
      try {
        body = await this.broker.request(this.broker.names.rpcQueue(service), Buffer.from(JSON.stringify(envelope)), {
          timeoutMs,
          correlationId: envelope.id,
          messageId: envelope.id,
          appId: this.service,
        });
      } catch (error) {
        if (error instanceof RequestTimeoutError) {
          outcome = 'timeout';
          throw new RpcTimeoutError(pattern, service, timeoutMs);
        }
        if (error instanceof UnroutableError)
          throw new RpcRemoteError(pattern, service, {
            message: `no RPC queue for service "${service}" (is it running?)`,
            status: 503,
          });
        throw error;
      }
      const reply = decodeReply(body);
      if (!reply.ok) throw new RpcRemoteError(pattern, service, reply.error);
      outcome = 'ok';
      return reply.data as TReply;
    } finally {
      this.metrics.rpcDuration.observe(
        { pattern: routingKeyLabel(pattern), outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    if (typeof packet.pattern !== 'string') throw new TypeError('Vigil bus patterns are routing-key strings');
    if (!isMessageInit(packet.data))
      throw new TypeError('emit() data must be a MessageInit: { tenantId, payload, correlationId?, actor? }');
    return (await this.publishEvent(packet.pattern, packet.data)) as T;
  }

  private sendPacket(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let cancelled = false;
    const run = async () => {
      if (typeof packet.pattern !== 'string') throw new TypeError('Vigil bus patterns are RPC pattern strings');
      if (!isMessageInit(packet.data))
        throw new TypeError('send() data must be a MessageInit: { tenantId, payload, correlationId?, actor? }');
      return this.request(packet.pattern, packet.data);
    };
    run().then(
      (response) => !cancelled && callback({ response, isDisposed: true }),
      (err: unknown) => !cancelled && callback({ err }),
    );
    return () => {
      cancelled = true;
    };
  }

  private async publishEvent<P extends object>(
    routingKey: string,
    init: MessageInit<P>,
    options: PublishCallOptions = {},
  ): Promise<Envelope<P>> {
    const envelope = this.envelope(routingKey, init);
    if (!this.broker.isConnected()) await this.broker.connect();
    await this.broker.publish(routingKey, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      correlationId: envelope.correlationId,
      appId: this.service,
      ...(options.withdrawAfterMs !== undefined ? { withdrawAfterMs: options.withdrawAfterMs } : {}),
    });
    this.metrics.published.inc({ service: this.service, routing_key: routingKeyLabel(routingKey) });
    if (this.log.isLevelEnabled('debug'))
      this.log.debug(
        { type: routingKey, envelopeId: envelope.id, correlationId: envelope.correlationId },
        'event published',
      );
    return envelope;
  }

  private envelope<P extends object>(type: string, init: MessageInit<P>): Envelope<P> {
    const envelope = createEnvelope<P>({
      type,
      tenantId: init.tenantId,
      payload: init.payload,
      correlationId: init.correlationId ?? currentMessageContext()?.correlationId,
      ...(init.actor ? { actor: init.actor } : {}),
      ...(init.schemaVersion ? { schemaVersion: init.schemaVersion } : {}),
    });
    if (this.options.validateOutgoing) {
      const validation = validateEnvelope(envelope);
      if (!validation.ok) throw new InvalidMessageError(type, validation.problems);
    } else {
      const problems: string[] = [];
      if (!payloadClassOf(type)) problems.push(`type: unknown routing key or RPC pattern "${type}"`);
      if (typeof init.tenantId !== 'string' || init.tenantId.length === 0 || init.tenantId.length > 64)
        problems.push('tenantId: must be a non-empty string of at most 64 characters');
      if (typeof init.payload !== 'object' || init.payload === null || Array.isArray(init.payload))
        problems.push('payload: must be a JSON object');
      if (problems.length) throw new InvalidMessageError(type, problems);
    }
    return envelope;
  }
}
