// The same semantics on both transports: run with VIGIL_TEST_MODE=embedded (in-process broker)
// and VIGIL_TEST_MODE=distributed (RabbitMQ at AMQP_URL).
import { jest } from '@jest/globals';
import { createEnvelope, SYSTEM_TENANT, type Envelope } from '@vigil/contracts';
import { BusContext, currentMessageContext, Headers, RpcRemoteError, RpcTimeoutError } from '../src/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestBroker, TEST_MODE, TestBus, waitFor, type FetchedMessage } from '@vigil/testing';
import { deliveredPayload } from './payloads.js';

jest.setTimeout(60_000);

type Delivered = ReturnType<typeof deliveredPayload>;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function drain(bus: TestBus, queue: string, expected: number): Promise<FetchedMessage[]> {
  const messages: FetchedMessage[] = [];
  await waitFor(
    async () => {
      for (let m = await bus.queues.take(queue); m; m = await bus.queues.take(queue)) messages.push(m);
      return messages.length >= expected;
    },
    { what: `${expected} message(s) in ${queue}` },
  );
  return messages;
}

async function metricValue(bus: TestBus, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await bus.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

describe(`messaging conformance (${TEST_MODE})`, () => {
  let bus: TestBus;

  beforeEach(async () => {
    bus = new TestBus();
  });

  afterEach(async () => {
    await bus.dispose();
  });

  it('fans an event out to every service bound to its key, and only to them', async () => {
    const got: Record<string, string[]> = { history: [], notification: [], agentRunner: [], alert: [] };
    const record = (name: string) => async (payload: Delivered) => void got[name].push(payload.deliveryId);
    await bus.server('history', (s) => s.addHandler('notification.delivered', record('history'), true));
    await bus.server('notification', (s) => s.addHandler('notification.delivered', record('notification'), true));
    await bus.server('agent-runner', (s) => s.addHandler('notification.*', record('agentRunner'), true));
    await bus.server('alert', (s) => s.addHandler('notification.failed', record('alert'), true));
    const client = bus.client('notification');
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const envelope = await client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
      sent.push(envelope.payload.deliveryId);
    }
    await waitFor(() => got.history.length === 5 && got.notification.length === 5 && got.agentRunner.length === 5, {
      what: 'fan-out to three services',
    });
    await sleep(100);
    expect(got.history).toEqual(sent);
    expect(got.notification).toEqual(sent);
    expect(got.agentRunner).toEqual(sent);
    expect(got.alert).toEqual([]);
    expect(
      await metricValue(bus, 'vigil_messages_published_total', {
        service: 'notification',
        routing_key: 'notification.delivered',
      }),
    ).toBe(5);
  });

  it('gives a broadcast event to every replica, and a shared one to just one of them', async () => {
    const replicas = [
      { broadcast: 0, shared: 0 },
      { broadcast: 0, shared: 0 },
    ];
    for (const seen of replicas) {
      await bus.server('gateway', (s) => {
        s.addHandler('auth.credential.revoked', async () => void seen.broadcast++, true, { broadcast: true });
        s.addHandler('notification.delivered', async () => void seen.shared++, true);
      });
    }
    const client = bus.client('user');
    await client.publish('auth.credential.revoked', {
      tenantId: 'tenant-a',
      payload: { kind: 'api-key', id: '0192f0c1-0000-7000-8000-000000000001' },
    });
    await client.publish('notification.delivered', { tenantId: 'tenant-a', payload: deliveredPayload() });
    await waitFor(() => replicas.every((r) => r.broadcast === 1) && replicas[0].shared + replicas[1].shared === 1, {
      what: 'one broadcast per replica, one shared delivery',
    });
    await sleep(100);
    expect(replicas.map((r) => r.broadcast)).toEqual([1, 1]);
    expect(replicas[0].shared + replicas[1].shared).toBe(1);
  });

  it('gives every replica with an exclusive broadcast queue each event, and goes on when one replica leaves', async () => {
    const name = `exclusive-${Date.now()}`;
    // Replicas of their own: each its own connection (distributed), or the process's one broker (embedded).
    await bus.broker.connect();
    const replicas = await Promise.all(
      [0, 1].map(async (i) => {
        const broker = TEST_MODE === 'distributed' ? createTestBroker({ namespace: bus.namespace }) : bus.broker;
        await broker.connect();
        const queue = broker.names.broadcastQueue('gateway', `${name}-${i}`);
        await broker.declareBroadcast({ queue, bindings: ['auth.credential.revoked'], exclusive: true });
        const got: string[] = [];
        const consumer = await broker.consume(queue, (delivery) => {
          got.push(delivery.messageId ?? '');
          delivery.ack();
        });
        return { broker, got, consumer };
      }),
    );
    const client = bus.client('user');
    const revoke = (n: number) =>
      client.publish('auth.credential.revoked', {
        tenantId: 'tenant-a',
        payload: { kind: 'api-key', id: `0192f0c1-0000-7000-8000-00000000000${n}` },
      });
    const first = await revoke(1);
    await waitFor(() => replicas.every((r) => r.got.length === 1), { what: 'the event at both replicas' });
    const [gone, staying] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    if (gone.broker !== bus.broker) await gone.broker.close();
    else await gone.consumer.close();
    const second = await revoke(2);
    await waitFor(() => staying.got.length === 2, { what: 'the second event at the replica that stayed' });
    expect(staying.got).toEqual([first.id, second.id]);
    expect(gone.got).toEqual([first.id]);
    if (staying.broker !== bus.broker) await staying.broker.close();
  });

  it('hands the handler the payload and a BusContext, inside the correlation context', async () => {
    const seen: {
      payload: Delivered;
      envelope: Envelope<object>;
      attempt: number;
      correlation?: string;
      tenant?: string;
    }[] = [];
    await bus.server('history', (s) =>
      s.addHandler(
        'notification.delivered',
        async (payload: Delivered, ctx?: BusContext) => {
          seen.push({
            payload,
            envelope: ctx!.getEnvelope(),
            attempt: ctx!.getAttempt(),
            correlation: currentMessageContext()?.correlationId,
            tenant: currentMessageContext()?.tenantId,
          });
        },
        true,
      ),
    );
    const sent = await bus.client().publish('notification.delivered', {
      tenantId: 'tenant-a',
      payload: deliveredPayload(),
      correlationId: 'corr-123',
    });
    await waitFor(() => seen.length === 1, { what: 'the event' });
    expect(seen[0]).toEqual({
      payload: sent.payload,
      envelope: expect.objectContaining({ id: sent.id, tenantId: 'tenant-a' }),
      attempt: 1,
      correlation: 'corr-123',
      tenant: 'tenant-a',
    });
  });

  it('answers an RPC request, with the correlation id of the caller context', async () => {
    await bus.server('alert', (s) =>
      s.addHandler('alert.system.ping', async (payload: { note?: string }, ctx?: BusContext) => ({
        service: 'alert',
        note: payload.note,
        tenant: ctx!.getTenantId(),
        correlationId: currentMessageContext()?.correlationId,
      })),
    );
    const reply = await bus
      .client()
      .request('alert.system.ping', { tenantId: SYSTEM_TENANT, payload: { note: 'hello' }, correlationId: 'corr-rpc' });
    expect(reply).toEqual({ service: 'alert', note: 'hello', tenant: SYSTEM_TENANT, correlationId: 'corr-rpc' });
    expect(
      await metricValue(bus, 'vigil_rpc_duration_seconds', { pattern: 'alert.system.ping', outcome: 'ok' }),
    ).toBeGreaterThan(0);
  });

  it('returns a handler error as RpcRemoteError with its message and status', async () => {
    await bus.server('alert', (s) =>
      s.addHandler('alert.system.ping', async () => {
        throw Object.assign(new Error('alert 42 not found'), { status: 404 });
      }),
    );
    const failure = bus.client().request('alert.system.ping', { tenantId: 't1', payload: {} });
    await expect(failure).rejects.toBeInstanceOf(RpcRemoteError);
    await expect(failure).rejects.toMatchObject({
      message: 'alert 42 not found',
      status: 404,
      pattern: 'alert.system.ping',
      service: 'alert',
    });
  });

  it('fails fast with 503 when the service has no RPC queue', async () => {
    const failure = bus.client().request('user.system.ping', { tenantId: 't1', payload: {} }, { timeoutMs: 3_000 });
    await expect(failure).rejects.toMatchObject({ name: 'RpcRemoteError', status: 503 });
  });

  it('times out an RPC with a clear error naming pattern and service', async () => {
    let calls = 0;
    await bus.server('history', (s) =>
      s.addHandler('history.system.ping', async () => {
        calls++;
        await sleep(400);
        return { late: true };
      }),
    );
    const started = Date.now();
    const failure = bus.client().request('history.system.ping', { tenantId: 't1', payload: {} }, { timeoutMs: 150 });
    await expect(failure).rejects.toBeInstanceOf(RpcTimeoutError);
    await expect(failure).rejects.toThrow(/history\.system\.ping.*"history".*150 ms/);
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(400); // the late reply arrives to nobody and is dropped quietly
    expect(calls).toBe(1);
    expect(
      await metricValue(bus, 'vigil_rpc_duration_seconds', { pattern: 'history.system.ping', outcome: 'timeout' }),
    ).toBeGreaterThan(0);
  });

  it('gives a failing handler the message again, with the attempt number', async () => {
    const attempts: number[] = [];
    let handled = 0;
    await bus.server('history', (s) =>
      s.addHandler(
        'notification.delivered',
        async (_payload: Delivered, ctx?: BusContext) => {
          attempts.push(ctx!.getAttempt());
          if (ctx!.getAttempt() < 3) throw new Error(`transient failure ${ctx!.getAttempt()}`);
          handled++;
        },
        true,
      ),
    );
    await bus.client().publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
    await waitFor(() => handled === 1, { what: 'the third attempt' });
    await sleep(150);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await bus.queues.depth(bus.broker.names.deadLetterQueue('history'))).toBe(0);
    expect(await metricValue(bus, 'vigil_messages_retried_total', { service: 'history' })).toBe(2);
  });

  it('dead-letters a message after N failed attempts, with the reason in its headers', async () => {
    let calls = 0;
    await bus.server(
      'history',
      (s) =>
        s.addHandler(
          'notification.delivered',
          async () => {
            calls++;
            throw new Error('disk full');
          },
          true,
        ),
      { maxAttempts: 4, retryDelaysMs: [20, 40] },
    );
    const sent = await bus.client().publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
    const [dead] = await drain(bus, bus.broker.names.deadLetterQueue('history'), 1);
    expect(calls).toBe(4);
    expect(JSON.parse(dead.body.toString())).toEqual(JSON.parse(JSON.stringify(sent)));
    expect(dead.headers).toEqual(
      expect.objectContaining({
        [Headers.Reason]: expect.stringMatching(/4 time\(s\).*disk full/),
        [Headers.ReasonKind]: 'handler_error',
        [Headers.Attempts]: 4,
        [Headers.Service]: 'history',
        [Headers.FailedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
        [Headers.OriginalRoutingKey]: 'notification.delivered',
      }),
    );
    expect(dead.messageId).toBe(sent.id);
    await sleep(200);
    expect(calls).toBe(4); // no further attempt
  });

  it('dead-letters a payload that fails validation at once, without calling the handler', async () => {
    let calls = 0;
    await bus.server('history', (s) => s.addHandler('notification.delivered', async () => void calls++, true));
    const bad = createEnvelope({
      type: 'notification.delivered',
      tenantId: 't1',
      payload: { ...deliveredPayload(), attempts: 0 },
    });
    await bus.broker.publish('notification.delivered', json(bad));
    const [dead] = await drain(bus, bus.broker.names.deadLetterQueue('history'), 1);
    expect(dead.headers[Headers.Reason]).toMatch(/payload\.attempts/);
    expect(dead.headers[Headers.ReasonKind]).toBe('invalid_payload');
    expect(dead.headers[Headers.Attempts]).toBe(1);
    expect(calls).toBe(0);
  });

  it('dead-letters junk (not JSON, no tenantId, unknown type or key) with the reason and keeps consuming', async () => {
    const handled: string[] = [];
    await bus.server('history', (s) =>
      s.addHandler('notification.delivered', async (p: Delivered) => void handled.push(p.deliveryId), true),
    );
    const { tenantId: _t, ...noTenant } = createEnvelope({
      type: 'notification.delivered',
      tenantId: 't1',
      payload: deliveredPayload(),
    });
    await bus.broker.publish('notification.delivered', Buffer.from('{"this is": not json'));
    await bus.broker.publish('notification.delivered', json(noTenant));
    await bus.broker.publish(
      'notification.delivered',
      json(createEnvelope({ type: 'notification.exploded', tenantId: 't1', payload: deliveredPayload() })),
    );
    await bus.broker.sendToQueue(
      bus.broker.names.serviceQueue('history'),
      json(createEnvelope({ type: 'alert.teleported', tenantId: 't1', payload: {} })),
    );
    const good = await bus.client().publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
    const dead = await drain(bus, bus.broker.names.deadLetterQueue('history'), 4);
    await waitFor(() => handled.length === 1, { what: 'the valid message after the junk' });
    expect(handled).toEqual([good.payload.deliveryId]);
    const reasons = dead.map((d) => [d.headers[Headers.ReasonKind], d.headers[Headers.Reason]]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['invalid_json', expect.stringMatching(/not JSON/)],
        ['invalid_envelope', expect.stringMatching(/tenantId/)],
        ['unknown_type', expect.stringMatching(/notification\.exploded/)],
        ['unknown_type', expect.stringMatching(/alert\.teleported/)],
      ]),
    );
    expect(dead.map((d) => d.body.toString())).toContain('{"this is": not json');
    // Junk keys never become label values.
    const text = await bus.registry.metrics();
    expect(text).not.toMatch(/exploded|teleported/);
    expect(
      await metricValue(bus, 'vigil_messages_dead_lettered_total', { service: 'history', routing_key: 'unknown' }),
    ).toBe(3);
  });

  it('keeps per-queue order with prefetch 1', async () => {
    const order: number[] = [];
    await bus.server(
      'history',
      (s) =>
        s.addHandler(
          'notification.delivered',
          async (p: Delivered) => {
            await sleep(p.attempts % 3); // uneven handler times must not reorder anything
            order.push(p.attempts);
          },
          true,
        ),
      { prefetch: 1 },
    );
    const client = bus.client();
    const count = 200;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload(i + 1) }),
      ),
    );
    await waitFor(() => order.length === count, { what: `${count} ordered messages` });
    expect(order).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('frees the slot of a message handled while an older one is still in its handler', async () => {
    // Acks go out together, but never held behind a slow handler: with prefetch 2, the first message
    // stuck in its handler and the second done, the third must come.
    let releaseSlow = () => undefined as void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const handled: number[] = [];
    await bus.server(
      'history',
      (s) =>
        s.addHandler(
          'notification.delivered',
          async (p: Delivered) => {
            if (p.attempts === 1) await slow;
            handled.push(p.attempts);
          },
          true,
        ),
      { prefetch: 2 },
    );
    const client = bus.client();
    for (let i = 1; i <= 3; i++)
      await client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload(i) });
    try {
      await waitFor(() => handled.length === 2, { what: 'the second and third messages handled' });
      expect(handled).toEqual([2, 3]);
    } finally {
      releaseSlow();
    }
    await waitFor(() => handled.length === 3, { what: 'the slow one handled' });
    expect(handled).toEqual([2, 3, 1]);
  });

  it('delivers 10,000 messages: none lost, none handled twice (with retries in between)', async () => {
    const handledCount = new Map<string, number>();
    const failedOnce = new Set<string>();
    await bus.server(
      'history',
      (s) =>
        s.addHandler(
          'notification.delivered',
          async (p: Delivered) => {
            // Every 100th message fails its first attempt.
            if (p.attempts % 100 === 0 && !failedOnce.has(p.deliveryId)) {
              failedOnce.add(p.deliveryId);
              throw new Error('first attempt fails');
            }
            handledCount.set(p.deliveryId, (handledCount.get(p.deliveryId) ?? 0) + 1);
          },
          true,
        ),
      { prefetch: 64 },
    );
    const client = bus.client();
    const total = 10_000;
    const sent: string[] = [];
    for (let batch = 0; batch < total; batch += 1_000) {
      const envelopes = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) =>
          client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload(batch + i + 1) }),
        ),
      );
      sent.push(...envelopes.map((e) => e.payload.deliveryId));
    }
    await waitFor(() => handledCount.size === total, { what: `${total} handled messages`, timeoutMs: 45_000 });
    await sleep(200);
    expect(new Set(sent).size).toBe(total);
    expect(sent.every((id) => handledCount.get(id) === 1)).toBe(true);
    expect(failedOnce.size).toBe(100);
    expect(await bus.queues.depth(bus.broker.names.serviceQueue('history'))).toBe(0);
    expect(await bus.queues.depth(bus.broker.names.deadLetterQueue('history'))).toBe(0);
  });

  it('gives a redelivered envelope (same id published twice) no second effect', async () => {
    let effects = 0;
    await bus.server('history', (s) => s.addHandler('notification.delivered', async () => void effects++, true));
    const envelope = createEnvelope({ type: 'notification.delivered', tenantId: 't1', payload: deliveredPayload() });
    await bus.broker.publish('notification.delivered', json(envelope));
    await waitFor(() => effects === 1, { what: 'the first copy' });
    await bus.broker.publish('notification.delivered', json(envelope));
    await waitFor(
      async () => (await metricValue(bus, 'vigil_messages_consumed_total', { outcome: 'duplicate' })) === 1,
      { what: 'the duplicate to be skipped' },
    );
    expect(effects).toBe(1);
    expect(await metricValue(bus, 'vigil_messages_consumed_total', { outcome: 'handled' })).toBe(1);
  });

  it('closes gracefully: stops consuming, waits for in-flight handlers, loses nothing', async () => {
    let started = 0;
    let finished = 0;
    const server = await bus.server(
      'history',
      (s) =>
        s.addHandler(
          'notification.delivered',
          async () => {
            started++;
            await sleep(300);
            finished++;
          },
          true,
        ),
      { prefetch: 5 },
    );
    const client = bus.client();
    for (let i = 0; i < 5; i++)
      await client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
    await waitFor(() => started === 5, { what: 'five handlers in flight' });
    expect(finished).toBe(0);
    await server.close();
    expect(finished).toBe(5);
    expect(server.inFlightCount).toBe(0);
    // Not consuming any more: a new message stays in the queue.
    await client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload() });
    await waitFor(async () => (await bus.queues.depth(bus.broker.names.serviceQueue('history'))) === 1, {
      what: 'the message to wait in the queue',
    });
    await sleep(100);
    expect(started).toBe(5);
  });

  it('refuses to publish a message that breaks the contract', async () => {
    const client = bus.client();
    await expect(
      client.publish('notification.delivered', { tenantId: '', payload: deliveredPayload() }),
    ).rejects.toMatchObject({ name: 'InvalidMessageError' });
    await expect(client.publish('alert.exploded', { tenantId: 't1', payload: {} })).rejects.toThrow(
      /unknown routing key/,
    );
  });

  it('reports readiness through check()', async () => {
    await bus.broker.connect();
    await expect(bus.broker.check()).resolves.toBeUndefined();
    expect(bus.broker.isConnected()).toBe(true);
    expect(bus.broker.kind).toBe(TEST_MODE === 'distributed' ? 'rabbitmq' : 'embedded');
  });
});
