// VigilBusServer and VigilBusClient inside real Nest applications: decorators, @Payload/@Ctx,
// exception mapping, correlation across a hop, failures that spend no attempt, graceful shutdown
// through app.close().
import { Controller, Inject, Module, NotFoundException, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { RoutingKeys, RpcPatterns } from '@vigil/contracts';
import { lastValueFrom } from 'rxjs';
import {
  BusContext,
  currentMessageContext,
  RpcRemoteError,
  VigilBusClient,
  VigilBusServer,
  VigilRpcExceptionFilter,
} from '../src/index.js';
import { quietLogger as logger, TEST_MODE, TestBus, waitFor } from '@vigil/testing';
import { deliveredPayload } from './payloads.js';

type Delivered = ReturnType<typeof deliveredPayload>;
const BUS_CLIENT = Symbol('BUS_CLIENT');

interface Seen {
  payload: Delivered;
  envelopeId: string;
  tenantId: string;
  correlationId?: string;
}

const seen: Seen[] = [];
/** The attempt numbers of the deliveries of a notification.failed whose handler cannot reach its database at first. */
const unreachableAttempts: number[] = [];
const UNREACHABLE_FOR = 4;

@Controller()
class AlertController {
  constructor(@Inject(BUS_CLIENT) private readonly bus: VigilBusClient) {}

  // `<string>` picks the untyped overload: Nest 12's typed overload rejects a second (@Ctx) parameter.
  @EventPattern<string>(RoutingKeys.NotificationDelivered)
  async onDelivered(@Payload() payload: Delivered, @Ctx() ctx: BusContext): Promise<void> {
    seen.push({
      payload,
      envelopeId: ctx.getEnvelope().id,
      tenantId: ctx.getTenantId(),
      correlationId: currentMessageContext()?.correlationId,
    });
  }

  @EventPattern<string>(RoutingKeys.NotificationFailed)
  async onFailed(@Ctx() ctx: BusContext): Promise<void> {
    unreachableAttempts.push(ctx.getAttempt());
    if (unreachableAttempts.length <= UNREACHABLE_FOR)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }

  @MessagePattern(RpcPatterns.AlertPing)
  async ping(@Payload() payload: { note?: string }, @Ctx() ctx: BusContext): Promise<object> {
    if (payload.note === 'missing') throw new NotFoundException('alert 42 not found');
    if (payload.note === 'crash') throw new Error('database exploded');
    // A message sent while handling inherits the correlation id.
    const event = await this.bus.publish(RoutingKeys.NotificationDelivered, {
      tenantId: ctx.getTenantId(),
      payload: deliveredPayload(),
    });
    return { service: 'alert', note: payload.note, eventCorrelationId: event.correlationId };
  }
}

describe(`VigilBusServer in a Nest microservice (${TEST_MODE})`, () => {
  let bus: TestBus;
  let app: INestMicroservice;
  let client: VigilBusClient;

  beforeAll(async () => {
    bus = new TestBus();
    const server = new VigilBusServer(bus.broker, {
      service: 'alert',
      logger,
      registry: bus.registry,
      maxAttempts: 2,
      retryDelaysMs: [30],
      // What the pipeline gets from a Nest handler is the exception filter's reply; the thrown error is its cause.
      isTransient: (error) => (error as { cause?: { code?: unknown } }).cause?.code === 'ECONNREFUSED',
    });
    const appClient = new VigilBusClient(bus.broker, { service: 'alert', logger, registry: bus.registry });
    @Module({ controllers: [AlertController], providers: [{ provide: BUS_CLIENT, useValue: appClient }] })
    class AlertModule {}
    app = await NestFactory.createMicroservice(AlertModule, { strategy: server, logger: false });
    app.useGlobalFilters(new VigilRpcExceptionFilter());
    await app.listen();
    client = bus.client('gateway');
  });

  afterAll(async () => {
    await app.close();
    for (const queue of bus.broker.names.queuesOf('alert', [30]))
      await bus.broker.deleteQueue(queue).catch(() => undefined);
    await bus.dispose();
  });

  it('routes @EventPattern events to the controller with @Payload and @Ctx', async () => {
    const sent = await client.publish(RoutingKeys.NotificationDelivered, {
      tenantId: 'tenant-n',
      payload: deliveredPayload(),
      correlationId: 'corr-nest',
    });
    await waitFor(() => seen.some((s) => s.envelopeId === sent.id), { what: 'the event in the controller' });
    expect(seen.find((s) => s.envelopeId === sent.id)).toEqual({
      payload: sent.payload,
      envelopeId: sent.id,
      tenantId: 'tenant-n',
      correlationId: 'corr-nest',
    });
  });

  it('answers @MessagePattern requests through send() and request(), carrying the correlation id on', async () => {
    const reply = await lastValueFrom(
      client.send(RpcPatterns.AlertPing, {
        tenantId: 't1',
        payload: { note: 'via send' },
        correlationId: 'corr-chain',
      }),
    );
    expect(reply).toEqual({ service: 'alert', note: 'via send', eventCorrelationId: 'corr-chain' });
    await expect(
      client.request(RpcPatterns.AlertPing, { tenantId: 't1', payload: { note: 'via request' } }),
    ).resolves.toEqual(expect.objectContaining({ note: 'via request' }));
  });

  it('maps a thrown HttpException to RpcRemoteError with its status', async () => {
    const failure = client.request(RpcPatterns.AlertPing, { tenantId: 't1', payload: { note: 'missing' } });
    await expect(failure).rejects.toBeInstanceOf(RpcRemoteError);
    await expect(failure).rejects.toMatchObject({ message: 'alert 42 not found', status: 404, service: 'alert' });
    const crash = await client
      .request(RpcPatterns.AlertPing, { tenantId: 't1', payload: { note: 'crash' } })
      .catch((error: unknown) => error as RpcRemoteError);
    expect(crash).toBeInstanceOf(RpcRemoteError);
    expect((crash as RpcRemoteError).message).toBe('database exploded');
    expect((crash as RpcRemoteError).status).toBeUndefined();
    expect((crash as RpcRemoteError).getStatus()).toBe(500);
  });

  it('publishes through emit() once the broker confirmed', async () => {
    const envelope = await lastValueFrom(
      client.emit(RoutingKeys.NotificationDelivered, { tenantId: 't2', payload: deliveredPayload() }),
    );
    await waitFor(() => seen.some((s) => s.envelopeId === (envelope as { id: string }).id), {
      what: 'the emitted event',
    });
  });

  it('lets an event whose handler cannot reach its database wait without spending attempts, then handles it', async () => {
    const counter = async (name: string, labels: Record<string, string>) =>
      (await bus.registry.getSingleMetric(name)!.get()).values.find((v) =>
        Object.entries(labels).every(([k, val]) => v.labels[k] === val),
      )?.value ?? 0;
    await client.publish(RoutingKeys.NotificationFailed, {
      tenantId: 't1',
      payload: deliveredPayload(1, 'smtp unreachable'),
    });
    const labels = { service: 'alert', routing_key: RoutingKeys.NotificationFailed };
    await waitFor(
      async () => (await counter('vigil_messages_consumed_total', { ...labels, outcome: 'handled' })) === 1,
      {
        what: 'the event handled once its database is back',
      },
    );
    // Four failures with a budget of two attempts: none of them spent one.
    expect(unreachableAttempts).toEqual([1, 1, 1, 1, 1]);
    expect(await counter('vigil_messages_deferred_total', labels)).toBe(UNREACHABLE_FOR);
    expect(await counter('vigil_messages_retried_total', labels)).toBe(0);
    expect(await counter('vigil_messages_dead_lettered_total', labels)).toBe(0);
    expect(await bus.queues.depth(bus.broker.names.deadLetterQueue('alert'))).toBe(0);
  });

  it('rejects send() data that is not a MessageInit', async () => {
    await expect(lastValueFrom(client.send(RpcPatterns.AlertPing, { note: 'no tenant' }))).rejects.toThrow(
      /MessageInit/,
    );
  });
});
