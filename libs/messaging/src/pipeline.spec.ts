import { randomUUID } from 'node:crypto';
import { createEnvelope } from '@vigil/contracts';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { normalizeRetryPolicy } from './backoff.js';
import type { Delivery, MessageHeaders, OutgoingMessageOptions } from './broker.js';
import { MemoryIdempotencyStore } from './idempotency.js';
import { MessagingMetrics } from './metrics.js';
import { EventPipeline, type EnvelopeHandler, type EventPipelineOptions } from './pipeline.js';
import { Headers, TopologyNames } from './topology.js';

interface Sent {
  exchange: string;
  routingKey: string;
  body: Buffer;
  options: OutgoingMessageOptions;
}

class FakeBroker {
  readonly names = new TopologyNames('vigil');
  readonly sent: Sent[] = [];
  failing = false;
  async publishTo(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: OutgoingMessageOptions = {},
  ): Promise<void> {
    if (this.failing) throw new Error('broker down');
    this.sent.push({ exchange, routingKey, body, options });
  }
  async sendToQueue(queue: string, body: Buffer, options?: OutgoingMessageOptions): Promise<void> {
    return this.publishTo('', queue, body, options);
  }
}

class FakeDelivery implements Delivery {
  readonly exchange = 'vigil.events';
  readonly redelivered = false;
  acks = 0;
  nacks: boolean[] = [];
  constructor(
    readonly body: Buffer,
    readonly routingKey = 'notification.delivered',
    readonly headers: MessageHeaders = {},
  ) {}
  ack(): void {
    this.acks++;
  }
  nack(requeue: boolean): void {
    this.nacks.push(requeue);
  }
  async reply(): Promise<void> {}
}

const delivered = () => ({
  deliveryId: randomUUID(),
  alertId: randomUUID(),
  channelId: randomUUID(),
  channelType: 'slack',
  attempts: 1,
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function setup(
  handler: EnvelopeHandler | undefined = async () => undefined,
  maxAttempts = 3,
  extra: Pick<EventPipelineOptions, 'isTransient' | 'idempotency'> = {},
) {
  const broker = new FakeBroker();
  const registry = new Registry();
  const idempotency = new MemoryIdempotencyStore();
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const pipeline = new EventPipeline({
    broker,
    service: 'history',
    idempotency,
    metrics: MessagingMetrics.of(registry),
    logger,
    policy: normalizeRetryPolicy(maxAttempts, [100, 1_000]),
    resolveHandler: (type) => (type === 'notification.delivered' ? handler : undefined),
    ...extra,
  });
  const counter = async (name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values
      .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
      .reduce((sum, v) => sum + v.value, 0);
  return { broker, pipeline, idempotency, counter, logs };
}

describe('EventPipeline decisions', () => {
  it('handles a valid envelope, marks it handled and acks', async () => {
    const seen: string[] = [];
    const { pipeline, broker, idempotency, counter } = setup(async (envelope) => void seen.push(envelope.id));
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    const delivery = new FakeDelivery(json(envelope));
    expect(await pipeline.handle(delivery)).toEqual({ outcome: 'handled' });
    expect(seen).toEqual([envelope.id]);
    expect(delivery.acks).toBe(1);
    expect(broker.sent).toEqual([]);
    expect(await idempotency.isHandled('history', envelope.id)).toBe(true);
    expect(
      await counter('vigil_messages_consumed_total', { outcome: 'handled', routing_key: 'notification.delivered' }),
    ).toBe(1);
  });

  it('skips and acks an envelope already handled', async () => {
    let calls = 0;
    const { pipeline } = setup(async () => void calls++);
    const body = json(createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() }));
    await pipeline.handle(new FakeDelivery(body));
    const again = new FakeDelivery(body);
    expect(await pipeline.handle(again)).toEqual({ outcome: 'duplicate' });
    expect(calls).toBe(1);
    expect(again.acks).toBe(1);
  });

  it('runs two concurrent copies of one envelope only once', async () => {
    let calls = 0;
    const { pipeline } = setup(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
    });
    const body = json(createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() }));
    const results = await Promise.all([
      pipeline.handle(new FakeDelivery(body)),
      pipeline.handle(new FakeDelivery(body)),
    ]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'handled']);
    expect(calls).toBe(1);
  });

  it('dead-letters a body that is not JSON, with the reason, labelled unknown', async () => {
    const { pipeline, broker, counter } = setup();
    const delivery = new FakeDelivery(Buffer.from('not json {'), 'alert.whatever.junk');
    const result = await pipeline.handle(delivery);
    expect(result).toEqual(expect.objectContaining({ outcome: 'dead_lettered', kind: 'invalid_json' }));
    expect(delivery.acks).toBe(1);
    expect(broker.sent).toHaveLength(1);
    const [dead] = broker.sent;
    expect(dead.exchange).toBe('vigil.dlx');
    expect(dead.routingKey).toBe('history');
    expect(dead.body.toString()).toBe('not json {');
    expect(dead.options.headers).toEqual(
      expect.objectContaining({
        [Headers.Reason]: expect.stringMatching(/not JSON/),
        [Headers.ReasonKind]: 'invalid_json',
        [Headers.Attempts]: 1,
        [Headers.Service]: 'history',
        [Headers.FailedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*\.\d{6}Z$/),
        [Headers.OriginalRoutingKey]: 'alert.whatever.junk',
      }),
    );
    expect(
      await counter('vigil_messages_dead_lettered_total', { reason_kind: 'invalid_json', routing_key: 'unknown' }),
    ).toBe(1);
  });

  it('dead-letters an envelope without tenantId, an unknown type and an invalid payload, naming the problem', async () => {
    const { pipeline, broker } = setup();
    const { tenantId: _t, ...noTenant } = createEnvelope({
      type: 'notification.delivered',
      tenantId: 't1',
      payload: delivered(),
    });
    const unknown = createEnvelope({ type: 'alert.exploded', tenantId: 't1', payload: {} });
    const badPayload = createEnvelope({
      type: 'notification.delivered',
      tenantId: 't1',
      payload: { ...delivered(), channelType: 'pigeon' },
    });
    const results = [];
    for (const body of [noTenant, unknown, badPayload])
      results.push(await pipeline.handle(new FakeDelivery(json(body))));
    expect(results).toEqual([
      expect.objectContaining({
        outcome: 'dead_lettered',
        kind: 'invalid_envelope',
        reason: expect.stringMatching(/tenantId/),
      }),
      expect.objectContaining({
        outcome: 'dead_lettered',
        kind: 'unknown_type',
        reason: expect.stringMatching(/alert\.exploded/),
      }),
      expect.objectContaining({
        outcome: 'dead_lettered',
        kind: 'invalid_payload',
        reason: expect.stringMatching(/payload\.channelType/),
      }),
    ]);
    expect(broker.sent.map((s) => s.options.headers?.[Headers.ReasonKind])).toEqual([
      'invalid_envelope',
      'unknown_type',
      'invalid_payload',
    ]);
  });

  it('dead-letters a valid envelope the service has no handler for', async () => {
    const { pipeline } = setup();
    const envelope = createEnvelope({ type: 'notification.failed', tenantId: 't1', payload: delivered() });
    expect(await pipeline.handle(new FakeDelivery(json(envelope)))).toEqual(
      expect.objectContaining({ outcome: 'dead_lettered', kind: 'no_handler' }),
    );
  });

  it('retries a failing handler through the delay queues, then dead-letters it with the last error', async () => {
    const { pipeline, broker, idempotency, counter } = setup(async () => {
      throw new Error('database unavailable');
    });
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    const first = new FakeDelivery(json(envelope));
    expect(await pipeline.handle(first)).toEqual({ outcome: 'retried', nextAttempt: 2, delayMs: 100 });
    expect(first.acks).toBe(1);
    expect(broker.sent[0]).toEqual(
      expect.objectContaining({
        exchange: '',
        routingKey: 'vigil.history.retry.100ms',
        options: expect.objectContaining({
          headers: expect.objectContaining({ [Headers.Attempt]: 2, [Headers.LastError]: 'database unavailable' }),
          messageId: envelope.id,
        }),
      }),
    );
    // The delay queue dead-letters it back to vigil.history: RabbitMQ adds x-death, which we drop.
    const second = new FakeDelivery(json(envelope), 'vigil.history', {
      ...broker.sent[0].options.headers,
      'x-death': [{ count: 1 }],
    });
    expect(await pipeline.handle(second)).toEqual({ outcome: 'retried', nextAttempt: 3, delayMs: 1_000 });
    expect(broker.sent[1].routingKey).toBe('vigil.history.retry.1000ms');
    expect(broker.sent[1].options.headers).not.toHaveProperty('x-death');
    const third = new FakeDelivery(json(envelope), 'vigil.history', broker.sent[1].options.headers);
    const result = await pipeline.handle(third);
    expect(result).toEqual(
      expect.objectContaining({
        outcome: 'dead_lettered',
        kind: 'handler_error',
        reason: expect.stringMatching(/3 time\(s\).*database unavailable/),
      }),
    );
    expect(broker.sent[2].options.headers).toEqual(
      expect.objectContaining({
        [Headers.Attempts]: 3,
        [Headers.ReasonKind]: 'handler_error',
        [Headers.OriginalRoutingKey]: 'notification.delivered',
      }),
    );
    expect(await idempotency.isHandled('history', envelope.id)).toBe(false);
    expect(await counter('vigil_messages_retried_total', {})).toBe(2);
  });

  it('requeues when the broker cannot take the retry, without acking', async () => {
    const { pipeline, broker } = setup(async () => {
      throw new Error('boom');
    });
    broker.failing = true;
    const delivery = new FakeDelivery(
      json(createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() })),
    );
    expect(await pipeline.handle(delivery)).toEqual({ outcome: 'requeued', error: 'broker down' });
    expect(delivery.acks).toBe(0);
    expect(delivery.nacks).toEqual([true]);
  });
});

describe('EventPipeline: failures that spend no attempt (isTransient)', () => {
  const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const isTransient = (error: unknown) => (error as { code?: unknown }).code === 'ECONNREFUSED';
  /** What the delay queue gives back: the message as it was sent there (RabbitMQ adds x-death). */
  const fromDelayQueue = (sent: Sent) =>
    new FakeDelivery(sent.body, 'vigil.history', { ...sent.options.headers, 'x-death': [{ count: 1 }] });

  it('defers a transient failure to the longest delay queue on the same attempt, as often as it takes, then handles it', async () => {
    let databaseUp = false;
    const seen: number[] = [];
    const { pipeline, broker, idempotency, counter, logs } = setup(
      async (_envelope, attempt) => {
        seen.push(attempt);
        if (!databaseUp) throw unreachable();
      },
      3,
      { isTransient },
    );
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    let delivery = new FakeDelivery(json(envelope));
    // Twice the attempts the policy allows: none of them is spent.
    for (let i = 1; i <= 6; i++) {
      expect(await pipeline.handle(delivery)).toEqual({ outcome: 'deferred', attempt: 1, delayMs: 1_000 });
      expect(delivery.acks).toBe(1);
      expect(broker.sent).toHaveLength(i);
      const sent = broker.sent[i - 1];
      expect(sent).toEqual(
        expect.objectContaining({
          exchange: '',
          routingKey: 'vigil.history.retry.1000ms',
          options: expect.objectContaining({
            headers: expect.objectContaining({
              [Headers.Attempt]: 1,
              [Headers.LastError]: 'connect ECONNREFUSED 127.0.0.1:5432',
              [Headers.OriginalRoutingKey]: 'notification.delivered',
            }),
            messageId: envelope.id,
          }),
        }),
      );
      expect(sent.options.headers).not.toHaveProperty('x-death');
      delivery = fromDelayQueue(sent);
    }
    expect(broker.sent.filter((s) => s.exchange === 'vigil.dlx')).toEqual([]);
    expect(await counter('vigil_messages_deferred_total', { routing_key: 'notification.delivered' })).toBe(6);
    expect(await counter('vigil_messages_consumed_total', { outcome: 'deferred' })).toBe(6);
    expect(await counter('vigil_messages_retried_total', {})).toBe(0);
    expect(await counter('vigil_messages_dead_lettered_total', {})).toBe(0);
    const deferred = logs.filter((l) => /deferred without spending an attempt/.test(l['msg'] as string));
    expect(deferred).toHaveLength(6);
    expect(deferred[0]).toEqual(
      expect.objectContaining({
        level: 40,
        envelopeId: envelope.id,
        attempt: 1,
        delayMs: 1_000,
        reason: 'connect ECONNREFUSED 127.0.0.1:5432',
      }),
    );

    databaseUp = true;
    expect(await pipeline.handle(delivery)).toEqual({ outcome: 'handled' });
    expect(delivery.acks).toBe(1);
    expect(seen).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(await idempotency.isHandled('history', envelope.id)).toBe(true);
  });

  it('keeps the attempts spent before the outage: an ordinary failure afterwards is retried, then dead-lettered, as today', async () => {
    const failures = [new Error('bad row'), unreachable(), unreachable(), new Error('bad row'), new Error('bad row')];
    const { pipeline, broker, counter } = setup(
      async () => {
        throw failures.shift();
      },
      3,
      { isTransient },
    );
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    const results = [await pipeline.handle(new FakeDelivery(json(envelope)))];
    while (results.at(-1)!.outcome !== 'dead_lettered')
      results.push(await pipeline.handle(fromDelayQueue(broker.sent.at(-1)!)));
    expect(results).toEqual([
      { outcome: 'retried', nextAttempt: 2, delayMs: 100 },
      { outcome: 'deferred', attempt: 2, delayMs: 1_000 },
      { outcome: 'deferred', attempt: 2, delayMs: 1_000 },
      { outcome: 'retried', nextAttempt: 3, delayMs: 1_000 },
      expect.objectContaining({
        outcome: 'dead_lettered',
        kind: 'handler_error',
        reason: 'handler failed 3 time(s), last error: bad row',
      }),
    ]);
    expect(broker.sent.at(-1)!.options.headers).toEqual(expect.objectContaining({ [Headers.Attempts]: 3 }));
    expect(await counter('vigil_messages_deferred_total', {})).toBe(2);
    expect(await counter('vigil_messages_retried_total', {})).toBe(2);
  });

  it('sends the inbox check failing because the database is unreachable the same way, without running the handler', async () => {
    let calls = 0;
    const idempotency = new MemoryIdempotencyStore();
    let inbox: 'unreachable' | 'broken' | 'up' = 'unreachable';
    const isHandled = idempotency.isHandled.bind(idempotency);
    idempotency.isHandled = async (service, id) => {
      if (inbox === 'unreachable') throw unreachable();
      if (inbox === 'broken') throw new Error('relation "inbox" does not exist');
      return isHandled(service, id);
    };
    const { pipeline, broker } = setup(async () => void calls++, 3, { isTransient, idempotency });
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    expect(await pipeline.handle(new FakeDelivery(json(envelope)))).toEqual({
      outcome: 'deferred',
      attempt: 1,
      delayMs: 1_000,
    });
    inbox = 'broken';
    expect(await pipeline.handle(fromDelayQueue(broker.sent.at(-1)!))).toEqual({
      outcome: 'retried',
      nextAttempt: 2,
      delayMs: 100,
    });
    expect(calls).toBe(0);
    inbox = 'up';
    expect(await pipeline.handle(fromDelayQueue(broker.sent.at(-1)!))).toEqual({ outcome: 'handled' });
    expect(calls).toBe(1);
  });

  it('spends attempts as before without a classifier, or when the classifier itself throws', async () => {
    const withoutClassifier = setup(async () => {
      throw unreachable();
    });
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    expect(await withoutClassifier.pipeline.handle(new FakeDelivery(json(envelope)))).toEqual({
      outcome: 'retried',
      nextAttempt: 2,
      delayMs: 100,
    });
    const throwing = setup(
      async () => {
        throw unreachable();
      },
      3,
      {
        isTransient: () => {
          throw new Error('classifier bug');
        },
      },
    );
    expect(await throwing.pipeline.handle(new FakeDelivery(json(envelope)))).toEqual({
      outcome: 'retried',
      nextAttempt: 2,
      delayMs: 100,
    });
    expect(throwing.logs).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'could not classify a handler failure', err: 'classifier bug' }),
    );
  });

  it('defers to the longest configured delay when the policy retries nothing', async () => {
    const { pipeline, broker } = setup(
      async () => {
        throw unreachable();
      },
      1,
      { isTransient },
    );
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() });
    expect(await pipeline.handle(new FakeDelivery(json(envelope)))).toEqual({
      outcome: 'deferred',
      attempt: 1,
      delayMs: 1_000,
    });
    expect(broker.sent[0].routingKey).toBe('vigil.history.retry.1000ms');
  });

  it('requeues without acking when the broker cannot take the deferred message', async () => {
    const { pipeline, broker } = setup(
      async () => {
        throw unreachable();
      },
      3,
      { isTransient },
    );
    broker.failing = true;
    const delivery = new FakeDelivery(
      json(createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: delivered() })),
    );
    expect(await pipeline.handle(delivery)).toEqual({ outcome: 'requeued', error: 'broker down' });
    expect(delivery.acks).toBe(0);
    expect(delivery.nacks).toEqual([true]);
  });
});
