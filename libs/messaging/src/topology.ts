/**
 * Names of the RabbitMQ objects (docs/architecture.md, "Messages"). Everything hangs off a
 * namespace, `vigil` in production, so that a test run or a second environment can share a broker
 * without sharing queues.
 *
 *   <ns>.events                 durable topic exchange, all events
 *   <ns>.dlx                    durable direct exchange for dead letters (routing key: service)
 *   <ns>.<service>              durable queue of a consuming service, bound to its handlers' keys
 *   <ns>.<service>.rpc          durable RPC request queue of a service
 *   <ns>.<service>.retry.<d>ms  delay queue: x-message-ttl d, dead-letters back to <ns>.<service>
 *   <ns>.<service>.dlq          dead-letter queue of a service, bound to <ns>.dlx with key <service>
 *
 * Delay queues are named by their delay, not by attempt number: changing the retry schedule then
 * declares new queues instead of failing with PRECONDITION_FAILED on a changed x-message-ttl.
 */
export class TopologyNames {
  constructor(readonly namespace = 'vigil') {
    if (!/^[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/i.test(namespace))
      throw new Error(`invalid messaging namespace "${namespace}"`);
  }

  get events(): string {
    return `${this.namespace}.events`;
  }

  get deadLetterExchange(): string {
    return `${this.namespace}.dlx`;
  }

  serviceQueue(service: string): string {
    return `${this.namespace}.${service}`;
  }

  rpcQueue(service: string): string {
    return `${this.namespace}.${service}.rpc`;
  }

  retryQueue(service: string, delayMs: number): string {
    return `${this.namespace}.${service}.retry.${delayMs}ms`;
  }

  deadLetterQueue(service: string): string {
    return `${this.namespace}.${service}.dlq`;
  }

  /** A queue of one replica's own, for events every replica must see (cache invalidation). */
  broadcastQueue(service: string, instanceId: string): string {
    return `${this.namespace}.${service}.broadcast.${instanceId}`;
  }

  /** Every queue declareService creates for a service (for clean-up). */
  queuesOf(service: string, retryDelaysMs: readonly number[]): string[] {
    return [
      this.serviceQueue(service),
      this.rpcQueue(service),
      this.deadLetterQueue(service),
      ...retryDelaysMs.map((d) => this.retryQueue(service, d)),
    ];
  }
}

/** What a service needs declared: its queues, bindings and delay queues. */
export interface ServiceTopology {
  service: string;
  /** Topic patterns the service queue is bound to; no service queue is declared when empty and `events` is false. */
  bindings: readonly string[];
  /** Distinct retry delays in use (one delay queue each). */
  retryDelaysMs: readonly number[];
  /** Declare the event queue, its dead-letter queue and delay queues. */
  events: boolean;
  /** Declare the RPC queue. */
  rpc: boolean;
}

/** A replica's own queue: every replica gets every matching event (not one of them, as on the service queue). */
export interface BroadcastTopology {
  queue: string;
  bindings: readonly string[];
  /**
   * Only the consuming connection may read it, and it goes with that connection: RabbitMQ deletes it
   * the moment the replica's connection closes (not after an idle expiry), and a new one, empty, is
   * declared by the consumer on reconnect (named `<queue>.<n>`, n counting the connections). Default false.
   */
  exclusive?: boolean;
}

/** Message headers set by the messaging layer. */
export const Headers = {
  /** 1-based attempt number of this delivery (absent on the first one). */
  Attempt: 'x-vigil-attempt',
  /** Dead letters: why, after how many attempts, for which service, when. */
  Reason: 'x-vigil-reason',
  ReasonKind: 'x-vigil-reason-kind',
  Attempts: 'x-vigil-attempts',
  Service: 'x-vigil-service',
  FailedAt: 'x-vigil-failed-at',
  OriginalRoutingKey: 'x-vigil-original-routing-key',
  /** Last handler error carried by a retried message. */
  LastError: 'x-vigil-last-error',
} as const;

/** RabbitMQ's direct reply-to pseudo queue. */
export const DIRECT_REPLY_TO = 'amq.rabbitmq.reply-to';
