import { isoMicros, validateEnvelope, type Envelope } from '@vigil/contracts';
import { deferralDelayMs, nextRetry, type RetryPolicy } from './backoff.js';
import type { Delivery, MessageBroker, MessageHeaders } from './broker.js';
import type { IdempotencyStore } from './idempotency.js';
import type { Logger } from './logger.js';
import type { DeadLetterKind, MessagingMetrics } from './metrics.js';
import { routingKeyLabel } from './topic.js';
import { Headers } from './topology.js';

/** Runs the handler(s) for a validated envelope; rejects when the handler failed. */
export type EnvelopeHandler = (envelope: Envelope<object>, attempt: number, delivery: Delivery) => Promise<unknown>;

export interface EventPipelineOptions {
  broker: Pick<MessageBroker, 'names' | 'publishTo' | 'sendToQueue'>;
  service: string;
  /**
   * Skips envelopes already handled, recorded after the handler: for consumers without a database
   * (broadcast caches). A service with a database passes none: its handlers claim the envelope in
   * their own transaction (Transactions in @vigil/persistence), which a crash cannot split.
   */
  idempotency?: IdempotencyStore;
  metrics: MessagingMetrics;
  logger: Logger;
  policy: RetryPolicy;
  /**
   * True for a failure that is not the message's fault and spends no attempt: a resource the handler
   * needs is unavailable (its database cannot be reached). The message waits in the longest delay
   * queue with its attempt number unchanged and comes back, for as long as that lasts. Other
   * failures are retried, then dead-lettered. None: every failure spends an attempt.
   */
  isTransient?(error: unknown): boolean;
  /** The handler for an envelope type, or undefined when the service has none. */
  resolveHandler(type: string): EnvelopeHandler | undefined;
}

export type PipelineResult =
  | { outcome: 'handled' | 'duplicate' }
  | { outcome: 'retried'; nextAttempt: number; delayMs: number }
  /** A transient failure (isTransient): back after delayMs, on the same attempt. */
  | { outcome: 'deferred'; attempt: number; delayMs: number }
  | { outcome: 'dead_lettered'; kind: DeadLetterKind; reason: string }
  /** Could not forward to a retry/dead-letter queue (broker down): requeued for later. */
  | { outcome: 'requeued'; error: string };

const MAX_REASON_LENGTH = 4_000;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** 1-based attempt number of a delivery. */
export function attemptOf(headers: MessageHeaders): number {
  const value = Number(headers[Headers.Attempt]);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/** Headers to carry over to a retry or dead letter: RabbitMQ's own x-death bookkeeping is dropped. */
function carriedHeaders(headers: MessageHeaders): MessageHeaders {
  const carried: MessageHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (key === 'x-death' || key.startsWith('x-first-death-') || key.startsWith('x-last-death-')) continue;
    carried[key] = value;
  }
  return carried;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
    return (error as { message: string }).message;
  return String(error);
}

/** Classifies validateEnvelope's problems for the reason_kind label. */
export function classifyProblems(problems: string[]): DeadLetterKind {
  if (problems.some((p) => p.startsWith('type: unknown routing key'))) return 'unknown_type';
  if (problems.length > 0 && problems.every((p) => p.startsWith('payload.'))) return 'invalid_payload';
  return 'invalid_envelope';
}

/**
 * The consumer side of an event queue, the same for both brokers:
 * parse JSON → validate the envelope and its payload → skip an envelope this consumer already
 * handled → handler → ack. Bad messages are dead-lettered at once with the reason; a failing
 * handler is retried through the delay queues, then dead-lettered. The pipeline never throws:
 * whatever happens, the consumer goes on with the next message.
 */
export class EventPipeline {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly options: EventPipelineOptions) {}

  async handle(delivery: Delivery): Promise<PipelineResult> {
    const attempt = attemptOf(delivery.headers);
    let plain: unknown;
    try {
      plain = JSON.parse(delivery.body.toString('utf8'));
    } catch (error) {
      return this.deadLetter(delivery, 'invalid_json', `body is not JSON: ${errorMessage(error)}`, attempt, 'unknown');
    }
    let validation: ReturnType<typeof validateEnvelope>;
    try {
      validation = validateEnvelope(plain);
    } catch (error) {
      // A validator that throws must not leave the message unacknowledged (stuck until the consumer dies).
      validation = { ok: false, problems: [`payload: could not be validated: ${errorMessage(error)}`] };
    }
    if (!validation.ok) {
      const kind = classifyProblems(validation.problems);
      const label =
        kind === 'unknown_type'
          ? 'unknown'
          : routingKeyLabel((plain as { type?: string } | null)?.type ?? delivery.routingKey);
      return this.deadLetter(
        delivery,
        kind,
        `invalid envelope: ${validation.problems.join('; ')}`,
        attempt,
        label,
        plain,
      );
    }
    const envelope = validation.value;
    const label = routingKeyLabel(envelope.type);
    const handler = this.options.resolveHandler(envelope.type);
    if (!handler) {
      return this.deadLetter(
        delivery,
        'no_handler',
        `service ${this.options.service} has no handler for ${envelope.type}`,
        attempt,
        label,
        envelope,
      );
    }
    // A second copy of an envelope that is being handled right now waits for the first one.
    for (let running = this.inFlight.get(envelope.id); running; running = this.inFlight.get(envelope.id))
      await running.catch(() => undefined);
    const run = this.run(delivery, envelope, handler, attempt, label);
    this.inFlight.set(envelope.id, run);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(envelope.id) === run) this.inFlight.delete(envelope.id);
    }
  }

  private async run(
    delivery: Delivery,
    envelope: Envelope<object>,
    handler: EnvelopeHandler,
    attempt: number,
    label: string,
  ): Promise<PipelineResult> {
    const { service, idempotency, metrics } = this.options;
    let handled = false;
    const stopTimer = metrics.handlerDuration.startTimer({ service, routing_key: label });
    try {
      if (idempotency && (await idempotency.isHandled(service, envelope.id))) {
        stopTimer();
        delivery.ack();
        metrics.consumed.inc({ service, routing_key: label, outcome: 'duplicate' });
        this.options.logger.debug(
          { envelopeId: envelope.id, correlationId: envelope.correlationId, type: envelope.type },
          'duplicate envelope skipped',
        );
        return { outcome: 'duplicate' };
      }
      await handler(envelope, attempt, delivery);
      handled = true;
      stopTimer();
      await idempotency?.markHandled(service, envelope.id);
    } catch (error) {
      if (!handled) {
        stopTimer();
        return this.onFailure(delivery, envelope, attempt, label, error);
      }
      // The effect happened; only the bookkeeping failed. Ack: at worst a redelivery repeats it.
      this.options.logger.error(
        { envelopeId: envelope.id, err: errorMessage(error) },
        'could not record the envelope as handled',
      );
    }
    delivery.ack();
    metrics.consumed.inc({ service, routing_key: label, outcome: 'handled' });
    return { outcome: 'handled' };
  }

  private async onFailure(
    delivery: Delivery,
    envelope: Envelope<object>,
    attempt: number,
    label: string,
    error: unknown,
  ): Promise<PipelineResult> {
    const { service, metrics, logger, policy } = this.options;
    const message = errorMessage(error);
    const deferMs = this.isTransient(error) ? deferralDelayMs(policy) : undefined;
    if (deferMs !== undefined) return this.defer(delivery, envelope, attempt, label, message, deferMs);
    const next = nextRetry(policy, attempt);
    if (!next.retry) {
      return this.deadLetter(
        delivery,
        'handler_error',
        `handler failed ${attempt} time(s), last error: ${message}`,
        attempt,
        label,
        envelope,
      );
    }
    const requeued = await this.toDelayQueue(delivery, envelope, next.delayMs, next.nextAttempt, message);
    if (requeued) return requeued;
    metrics.retried.inc({ service, routing_key: label });
    metrics.consumed.inc({ service, routing_key: label, outcome: 'retried' });
    logger.info(
      {
        service,
        envelopeId: envelope.id,
        correlationId: envelope.correlationId,
        type: envelope.type,
        attempt,
        nextAttempt: next.nextAttempt,
        delayMs: next.delayMs,
        err: message,
      },
      'handler failed, will retry',
    );
    return { outcome: 'retried', nextAttempt: next.nextAttempt, delayMs: next.delayMs };
  }

  private isTransient(error: unknown): boolean {
    try {
      return this.options.isTransient?.(error) === true;
    } catch (classifyError) {
      this.options.logger.error({ err: errorMessage(classifyError) }, 'could not classify a handler failure');
      return false;
    }
  }

  /** Back into the delay queue on the same attempt: the failure was not the message's. */
  private async defer(
    delivery: Delivery,
    envelope: Envelope<object>,
    attempt: number,
    label: string,
    message: string,
    delayMs: number,
  ): Promise<PipelineResult> {
    const { service, metrics, logger } = this.options;
    const requeued = await this.toDelayQueue(delivery, envelope, delayMs, attempt, message);
    if (requeued) return requeued;
    metrics.deferred.inc({ service, routing_key: label });
    metrics.consumed.inc({ service, routing_key: label, outcome: 'deferred' });
    logger.warn(
      {
        service,
        envelopeId: envelope.id,
        correlationId: envelope.correlationId,
        type: envelope.type,
        attempt,
        delayMs,
        reason: truncate(message, 1_000),
      },
      'handler failed transiently (a resource it needs is unavailable), message deferred without spending an attempt',
    );
    return { outcome: 'deferred', attempt, delayMs };
  }

  /**
   * Into the delay queue of `delayMs`, whose TTL dead-letters it back to our queue as `attempt`, and
   * acked; or, when the broker cannot take it, requeued (the result says so).
   */
  private async toDelayQueue(
    delivery: Delivery,
    envelope: Envelope<object>,
    delayMs: number,
    attempt: number,
    lastError: string,
  ): Promise<PipelineResult | undefined> {
    const { broker, service } = this.options;
    const headers: MessageHeaders = {
      ...carriedHeaders(delivery.headers),
      [Headers.Attempt]: attempt,
      [Headers.LastError]: truncate(lastError, 500),
      [Headers.OriginalRoutingKey]: delivery.headers[Headers.OriginalRoutingKey] ?? delivery.routingKey,
    };
    try {
      await broker.sendToQueue(broker.names.retryQueue(service, delayMs), delivery.body, {
        headers,
        messageId: delivery.messageId ?? envelope.id,
        correlationId: envelope.correlationId,
      });
    } catch (sendError) {
      return this.requeue(delivery, sendError);
    }
    delivery.ack();
    return undefined;
  }

  private async deadLetter(
    delivery: Delivery,
    kind: DeadLetterKind,
    reason: string,
    attempts: number,
    label: string,
    plain?: unknown,
  ): Promise<PipelineResult> {
    const { broker, service, metrics, logger } = this.options;
    const known = (typeof plain === 'object' && plain !== null ? plain : {}) as {
      id?: unknown;
      correlationId?: unknown;
    };
    const envelopeId = typeof known.id === 'string' ? known.id : delivery.messageId;
    const correlationId = typeof known.correlationId === 'string' ? known.correlationId : delivery.correlationId;
    const headers: MessageHeaders = {
      ...carriedHeaders(delivery.headers),
      [Headers.Reason]: truncate(reason, MAX_REASON_LENGTH),
      [Headers.ReasonKind]: kind,
      [Headers.Attempts]: attempts,
      [Headers.Service]: service,
      [Headers.FailedAt]: isoMicros(),
      [Headers.OriginalRoutingKey]: delivery.headers[Headers.OriginalRoutingKey] ?? truncate(delivery.routingKey, 255),
    };
    try {
      await broker.publishTo(broker.names.deadLetterExchange, service, delivery.body, {
        headers,
        ...(envelopeId ? { messageId: truncate(envelopeId, 255) } : {}),
        ...(correlationId ? { correlationId: truncate(correlationId, 255) } : {}),
      });
    } catch (sendError) {
      return this.requeue(delivery, sendError);
    }
    delivery.ack();
    metrics.deadLettered.inc({ service, routing_key: label, reason_kind: kind });
    metrics.consumed.inc({ service, routing_key: label, outcome: 'dead_lettered' });
    logger.warn(
      { reasonKind: kind, reason: truncate(reason, 1_000), envelopeId, correlationId, routingKey: label, attempts },
      'message dead-lettered',
    );
    return { outcome: 'dead_lettered', kind, reason };
  }

  private requeue(delivery: Delivery, error: unknown): PipelineResult {
    this.options.logger.error(
      { service: this.options.service, err: errorMessage(error) },
      'could not forward a failed message, requeueing it',
    );
    delivery.nack(true);
    return { outcome: 'requeued', error: errorMessage(error) };
  }
}
