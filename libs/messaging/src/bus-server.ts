import { randomUUID } from 'node:crypto';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { serviceOfPattern, validateEnvelope, type Envelope, type ServiceName } from '@vigil/contracts';
import { Registry } from 'prom-client';
import { isObservable, lastValueFrom } from 'rxjs';
import { deferralDelayMs, normalizeRetryPolicy, retryDelaysInUse, type RetryPolicy } from './backoff.js';
import type { BrokerStatus, ConsumerHandle, Delivery, MessageBroker } from './broker.js';
import { runInMessageContext } from './context.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from './idempotency.js';
import { createMessagingLogger, type Logger } from './logger.js';
import { MessagingMetrics } from './metrics.js';
import { EventPipeline, attemptOf, type PipelineResult } from './pipeline.js';
import { encodeReply, toRemoteError, type RpcReply } from './rpc.js';
import { isValidBindingPattern, isWildcardPattern, topicMatches } from './topic.js';

/** Transport id of the Vigil bus: `@EventPattern(key, VIGIL_TRANSPORT)` targets it explicitly. */
export const VIGIL_TRANSPORT: unique symbol = Symbol('VIGIL_BUS');

export type BusContextArgs = [envelope: Envelope<object>, attempt: number, routingKey: string, service: string];

/** What `@Ctx()` gives a handler on the Vigil bus. */
export class BusContext extends BaseRpcContext<BusContextArgs> {
  /** The validated envelope (id, tenantId, correlationId, actor, ...). */
  getEnvelope<P extends object = object>(): Envelope<P> {
    return this.args[0] as Envelope<P>;
  }

  /** 1 on the first delivery, 2 on the first retry, ... */
  getAttempt(): number {
    return this.args[1];
  }

  /** The AMQP routing key it arrived with (a retried event arrives from its delay queue). */
  getRoutingKey(): string {
    return this.args[2];
  }

  /** The envelope's type: routing key or RPC pattern. */
  getPattern(): string {
    return this.args[0].type;
  }

  getTenantId(): string {
    return this.args[0].tenantId;
  }

  getService(): string {
    return this.args[3];
  }
}

export interface BusServerOptions {
  service: ServiceName;
  /**
   * Dedupe of event deliveries before the handler: in memory by default; `null` when the handlers
   * claim envelopes themselves, in their database transaction (every service with a database).
   */
  idempotency?: IdempotencyStore | null;
  registry?: Registry;
  logger?: Logger;
  /** Attempts per event before the DLQ, the first one included (default 5). */
  maxAttempts?: number;
  /** Backoff before attempt 2, 3, ... (default 200 ms, 1 s, 5 s, 15 s; the last repeats). */
  retryDelaysMs?: readonly number[];
  /**
   * Event handler failures that spend no attempt (the service's database is unreachable): such a
   * message waits in the longest delay queue and comes back, as long as it takes. See EventPipeline.
   */
  isTransient?(error: unknown): boolean;
  /** Unacked events handled concurrently (default 16). 1 keeps the queue's order. */
  prefetch?: number;
  /** RPC requests handled concurrently (default 32). */
  rpcPrefetch?: number;
  /** How long close() waits for in-flight handlers (default 10 s; services get SHUTDOWN_TIMEOUT_MS). */
  drainTimeoutMs?: number;
  /** Close the broker in close() (when this server is its only user). Default false. */
  closeBroker?: boolean;
}

type HandlerEntry = [pattern: string, handler: MessageHandler];

/**
 * NestJS custom transport strategy over a MessageBroker.
 * - `@EventPattern(key)` handlers: the service queue `<ns>.<service>` is bound to each key (topic
 *   wildcards allowed); deliveries go through the EventPipeline (validate, dedupe, retry, DLQ) and
 *   are dispatched on the envelope's `type`.
 * - `@MessagePattern(pattern)` handlers: served on `<ns>.<service>.rpc`; a pattern must start with
 *   this service's name (that is how clients find the queue).
 * Handlers get the payload (`@Payload()`) and a BusContext (`@Ctx()`), and run inside the
 * message's correlation context.
 *
 * Ordering: with prefetch 1 a service queue is handled strictly in order (one at a time); with a
 * higher prefetch up to `prefetch` messages run concurrently, so completion order may differ.
 * A retried message re-enters the queue behind newer ones after its delay.
 */
export class VigilBusServer extends Server implements CustomTransportStrategy {
  override readonly transportId = VIGIL_TRANSPORT;
  override readonly propagatesEventHandlerErrors = true;
  readonly service: ServiceName;
  private readonly log: Logger;
  private readonly metrics: MessagingMetrics;
  private readonly idempotency: IdempotencyStore | undefined;
  private readonly policy: RetryPolicy;
  private readonly consumers: ConsumerHandle[] = [];
  private inFlight = 0;
  private drained?: () => void;
  private readonly defaultStartHook = this.onProcessingStartHook;
  private pipeline?: EventPipeline;
  private wildcardHandlers: HandlerEntry[] = [];
  private unsubscribeStatus?: () => void;
  private closing = false;

  constructor(
    readonly broker: MessageBroker,
    private readonly options: BusServerOptions,
  ) {
    super();
    this.service = options.service;
    // The service's own logger already names the service on every line.
    this.log = options.logger ?? createMessagingLogger().child({ service: options.service });
    this.metrics = MessagingMetrics.of(options.registry ?? new Registry());
    this.idempotency = options.idempotency === null ? undefined : (options.idempotency ?? new MemoryIdempotencyStore());
    this.policy = normalizeRetryPolicy(options.maxAttempts, options.retryDelaysMs);
  }

  async listen(callback: (...optionalParams: unknown[]) => unknown): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Declares the topology and starts consuming (what listen() does, as a promise). */
  async start(): Promise<void> {
    const { broker, service } = this;
    const events: HandlerEntry[] = [];
    const rpc: HandlerEntry[] = [];
    const broadcast: HandlerEntry[] = [];
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) rpc.push([pattern, handler]);
      else (isBroadcast(handler) ? broadcast : events).push([pattern, handler]);
    }
    for (const [pattern] of [...events, ...broadcast]) {
      if (!isValidBindingPattern(pattern))
        throw new Error(`${service}: event pattern ${JSON.stringify(pattern)} is not a dotted routing key`);
    }
    for (const [pattern] of rpc) {
      if (serviceOfPattern(pattern) !== service)
        throw new Error(
          `${service}: RPC pattern "${pattern}" belongs to service "${serviceOfPattern(pattern)}"; requests for it go to that service's queue`,
        );
    }
    this.wildcardHandlers = events.filter(([pattern]) => isWildcardPattern(pattern));
    await broker.connect();
    this.unsubscribeStatus = broker.onStatus((status: BrokerStatus) => this._status$.next(status));
    await broker.declareService({
      service,
      bindings: events.map(([p]) => p),
      retryDelaysMs: this.delayQueues(),
      events: events.length > 0,
      rpc: rpc.length > 0,
    });
    if (events.length > 0) {
      this.pipeline = new EventPipeline({
        broker,
        service,
        ...(this.idempotency ? { idempotency: this.idempotency } : {}),
        metrics: this.metrics,
        logger: this.log,
        policy: this.policy,
        ...(this.options.isTransient ? { isTransient: this.options.isTransient } : {}),
        resolveHandler: (type) => {
          const handler = this.eventHandlerFor(type);
          return handler
            ? (envelope, attempt, delivery) => this.invoke(handler, envelope, attempt, delivery.routingKey)
            : undefined;
        },
      });
      this.consumers.push(
        await broker.consume(broker.names.serviceQueue(service), (d) => this.track(this.onEvent(d)), {
          prefetch: this.options.prefetch ?? 16,
        }),
      );
    }
    if (rpc.length > 0) {
      this.consumers.push(
        await broker.consume(broker.names.rpcQueue(service), (d) => this.track(this.onRequest(d)), {
          prefetch: this.options.rpcPrefetch ?? 32,
        }),
      );
    }
    if (broadcast.length > 0) await this.startBroadcast(broadcast);
    this._status$.next('connected');
    this.log.info(
      {
        events: events.map(([p]) => p),
        broadcast: broadcast.map(([p]) => p),
        rpc: rpc.map(([p]) => p),
        broker: broker.kind,
      },
      'bus server listening',
    );
  }

  /** The delays of the retry schedule, and the deferral's when transient failures wait. */
  private delayQueues(): number[] {
    const delays = retryDelaysInUse(this.policy);
    const deferral = this.options.isTransient ? deferralDelayMs(this.policy) : undefined;
    if (deferral !== undefined && !delays.includes(deferral)) delays.push(deferral);
    return delays;
  }

  /**
   * Events every replica must see (`@EventPattern(key, { broadcast: true })`), e.g. to drop a
   * revoked credential from each replica's cache: a queue of this replica's own, no retries (a
   * failure is dead-lettered at once), duplicates filtered in memory.
   */
  private async startBroadcast(handlers: HandlerEntry[]): Promise<void> {
    const { broker, service } = this;
    const instance = `${process.pid}-${randomUUID().slice(0, 8)}`;
    const queue = broker.names.broadcastQueue(service, instance);
    // Exclusive: this replica's connection alone reads it, and it goes with that connection.
    await broker.declareBroadcast({ queue, bindings: handlers.map(([p]) => p), exclusive: true });
    const pipeline = new EventPipeline({
      broker,
      service,
      idempotency: new MemoryIdempotencyStore(10_000),
      metrics: this.metrics,
      logger: this.log,
      policy: normalizeRetryPolicy(1, []),
      resolveHandler: (type) => {
        const handler = handlers.find(([pattern]) => topicMatches(pattern, type))?.[1];
        return handler
          ? (envelope, attempt, delivery) => this.invoke(handler, envelope, attempt, delivery.routingKey)
          : undefined;
      },
    });
    this.consumers.push(
      await broker.consume(queue, (d) => this.track(pipeline.handle(d)), { prefetch: this.options.prefetch ?? 16 }),
    );
  }

  /** Stops consuming, waits (bounded) for in-flight handlers, then releases the consumers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.consumers.map((c) => c.cancel().catch(() => undefined)));
    const timeoutMs = this.options.drainTimeoutMs ?? 10_000;
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        new Promise<boolean>((resolve) => (this.drained = () => resolve(false))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      this.drained = undefined;
      if (timedOut)
        this.log.warn(
          { inFlight: this.inFlight, timeoutMs },
          'in-flight handlers did not finish in time; their messages will be redelivered',
        );
    }
    await Promise.all(this.consumers.map((c) => c.close().catch(() => undefined)));
    this.consumers.length = 0;
    this.unsubscribeStatus?.();
    this._status$.next('disconnected');
    if (this.options.closeBroker) await this.broker.close();
  }

  /** Number of messages being handled right now. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  on(): never {
    throw new Error('VigilBusServer has no events to listen to; use broker.onStatus()');
  }

  unwrap<T>(): T {
    return this.broker as T;
  }

  private track(promise: Promise<unknown>): Promise<unknown> {
    this.inFlight++;
    const settled = () => {
      if (--this.inFlight === 0) this.drained?.();
    };
    return promise.then(settled, settled);
  }

  private eventHandlerFor(type: string): MessageHandler | undefined {
    // Broadcast handlers are served from the replica's own queue only.
    const exact = this.messageHandlers.get(type);
    if (exact?.isEventHandler && !isBroadcast(exact)) return exact;
    return this.wildcardHandlers.find(([pattern]) => topicMatches(pattern, type))?.[1];
  }

  private onEvent(delivery: Delivery): Promise<PipelineResult> {
    return this.pipeline!.handle(delivery);
  }

  private async invoke(
    handler: MessageHandler,
    envelope: Envelope<object>,
    attempt: number,
    routingKey: string,
  ): Promise<unknown> {
    const context = new BusContext([envelope, attempt, routingKey, this.service]);
    return runInMessageContext(
      {
        correlationId: envelope.correlationId,
        tenantId: envelope.tenantId,
        service: this.service,
        envelopeId: envelope.id,
        messageType: envelope.type,
      },
      () =>
        this.withProcessingHooks(context, async () => {
          const result: unknown = await handler(envelope.payload, context);
          return isObservable(result) ? lastValueFrom(result, { defaultValue: undefined }) : result;
        }),
    );
  }

  /** Honours Nest's processing hooks (instrumentation spans) around a handler. */
  private withProcessingHooks<T>(context: BusContext, fn: () => Promise<T>): Promise<T> {
    // Nothing hooked (the usual case): skip the extra promise.
    if (this.onProcessingStartHook === this.defaultStartHook && !this.onProcessingEndHook) return fn();
    return new Promise<T>((resolve, reject) => {
      const end = this.createProcessingEndHookRunner(context);
      const done = async () => {
        try {
          resolve(await fn());
        } catch (error) {
          reject(error);
        } finally {
          end();
        }
      };
      try {
        this.onProcessingStartHook(this.transportId, context, done);
      } catch (error) {
        reject(error);
      }
    });
  }

  private async onRequest(delivery: Delivery): Promise<void> {
    const reply = await this.answer(delivery);
    try {
      if (delivery.replyTo) await delivery.reply(encodeReply(reply));
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'could not send an RPC reply');
    }
    delivery.ack();
  }

  private async answer(delivery: Delivery): Promise<RpcReply> {
    let plain: unknown;
    try {
      plain = JSON.parse(delivery.body.toString('utf8'));
    } catch {
      this.log.warn('RPC request is not JSON');
      return { ok: false, error: { message: 'request is not JSON', status: 400 } };
    }
    const validation = validateEnvelope(plain);
    if (!validation.ok) {
      this.log.warn({ problems: validation.problems }, 'invalid RPC request');
      return {
        ok: false,
        error: {
          message: `invalid request: ${validation.problems.join('; ')}`,
          status: 400,
          details: validation.problems,
        },
      };
    }
    const envelope = validation.value;
    const handler = this.messageHandlers.get(envelope.type);
    if (!handler || handler.isEventHandler) {
      return {
        ok: false,
        error: { message: `service ${this.service} has no handler for ${envelope.type}`, status: 404 },
      };
    }
    try {
      const data = await this.invoke(handler, envelope, attemptOf(delivery.headers), delivery.routingKey);
      return { ok: true, data };
    } catch (error) {
      const remote = toRemoteError(error);
      const fields = { pattern: envelope.type, correlationId: envelope.correlationId, status: remote.status };
      // A refusal (4xx: not found, invalid, conflict) is the caller's business; anything else is a
      // fault of this service, logged at error with the thrown error (and its stack) for whoever runs it.
      if (remote.status !== undefined && remote.status < 500)
        this.log.info({ ...fields, err: remote.message }, 'RPC handler failed');
      else this.log.error({ ...fields, status: remote.status ?? 500, err: thrownOf(error) }, 'RPC handler failed');
      return { ok: false, error: remote };
    }
  }
}

/** What the handler threw: the exception filter hands on a reply with the thrown error as its cause. */
function thrownOf(error: unknown): unknown {
  if (error instanceof Error) return error;
  return (error as { cause?: unknown } | null)?.cause ?? error;
}

/** `@EventPattern(key, { broadcast: true })`: every replica handles it. */
function isBroadcast(handler: MessageHandler): boolean {
  return (handler.extras as { broadcast?: unknown } | undefined)?.broadcast === true;
}
