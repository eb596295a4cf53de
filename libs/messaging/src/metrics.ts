import { Counter, Histogram, Registry } from 'prom-client';

export type ConsumeOutcome = 'handled' | 'duplicate' | 'retried' | 'deferred' | 'dead_lettered';
export type DeadLetterKind =
  'invalid_json' | 'invalid_envelope' | 'unknown_type' | 'invalid_payload' | 'no_handler' | 'handler_error';
export type RpcOutcome = 'ok' | 'error' | 'timeout';

/** The messaging metrics of one registry (shared by every server and client registered in it). */
export class MessagingMetrics {
  private static readonly byRegistry = new WeakMap<Registry, MessagingMetrics>();

  readonly published: Counter<'service' | 'routing_key'>;
  readonly consumed: Counter<'service' | 'routing_key' | 'outcome'>;
  readonly retried: Counter<'service' | 'routing_key'>;
  readonly deferred: Counter<'service' | 'routing_key'>;
  readonly deadLettered: Counter<'service' | 'routing_key' | 'reason_kind'>;
  readonly handlerDuration: Histogram<'service' | 'routing_key'>;
  readonly rpcDuration: Histogram<'pattern' | 'outcome'>;

  static of(registry: Registry): MessagingMetrics {
    let metrics = MessagingMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new MessagingMetrics(registry);
      MessagingMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    this.published = new Counter({
      name: 'vigil_messages_published_total',
      help: 'Messages published and confirmed by the broker',
      labelNames: ['service', 'routing_key'],
      registers: [registry],
    });
    this.consumed = new Counter({
      name: 'vigil_messages_consumed_total',
      help: 'Messages consumed, by outcome',
      labelNames: ['service', 'routing_key', 'outcome'],
      registers: [registry],
    });
    this.retried = new Counter({
      name: 'vigil_messages_retried_total',
      help: 'Messages scheduled for another attempt after a handler failure',
      labelNames: ['service', 'routing_key'],
      registers: [registry],
    });
    this.deferred = new Counter({
      name: 'vigil_messages_deferred_total',
      help: 'Messages put back to wait without spending an attempt: a resource their handler needs (its database) was unavailable',
      labelNames: ['service', 'routing_key'],
      registers: [registry],
    });
    this.deadLettered = new Counter({
      name: 'vigil_messages_dead_lettered_total',
      help: 'Messages sent to the dead-letter queue',
      labelNames: ['service', 'routing_key', 'reason_kind'],
      registers: [registry],
    });
    this.handlerDuration = new Histogram({
      name: 'vigil_message_handler_duration_seconds',
      help: 'Time spent in message handlers',
      labelNames: ['service', 'routing_key'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.rpcDuration = new Histogram({
      name: 'vigil_rpc_duration_seconds',
      help: 'RPC round-trip time seen by the caller',
      labelNames: ['pattern', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }
}
