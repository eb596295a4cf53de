// VigilBusServer and VigilBusClient inside real Nest applications: decorators, @Payload/@Ctx,
// exception mapping, correlation across a hop, graceful shutdown through app.close().
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

  it('rejects send() data that is not a MessageInit', async () => {
    await expect(lastValueFrom(client.send(RpcPatterns.AlertPing, { note: 'no tenant' }))).rejects.toThrow(
      /MessageInit/,
    );
  });
});
