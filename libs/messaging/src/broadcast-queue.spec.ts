import type { Delivery } from './broker.js';
import { EmbeddedBroker } from './embedded-broker.js';

/**
 * A replica's broadcast queue on the embedded broker (standalone): every replica's queue gets each
 * matching event, an exclusive one takes one consumer, and a queue goes when its last consumer does.
 */
describe('EmbeddedBroker: broadcast queues', () => {
  let broker: EmbeddedBroker;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const body = (n: number) => Buffer.from(JSON.stringify({ n }));

  beforeEach(async () => {
    broker = new EmbeddedBroker({ namespace: `t${Math.random().toString(36).slice(2)}` });
    await broker.connect();
  });
  afterEach(() => broker.close());

  async function replica(instance: string, exclusive: boolean) {
    const queue = broker.names.broadcastQueue('gateway', instance);
    await broker.declareBroadcast({ queue, bindings: ['alert.*', 'agent.session.#'], exclusive });
    const got: string[] = [];
    const consumer = await broker.consume(queue, (delivery: Delivery) => {
      got.push(`${delivery.routingKey}:${delivery.body.toString()}`);
      delivery.ack();
    });
    return { queue, got, consumer };
  }

  it('gives every replica every matching event, and none of the others', async () => {
    const a = await replica('a', true);
    const b = await replica('b', true);
    await broker.publish('alert.created', body(1));
    await broker.publish('notification.delivered', body(2));
    await broker.publish('agent.session.started', body(3));
    for (let i = 0; i < 5; i++) await turn();
    const expected = ['alert.created:{"n":1}', 'agent.session.started:{"n":3}'];
    expect(a.got).toEqual(expected);
    expect(b.got).toEqual(expected);
  });

  it('refuses a second consumer on an exclusive queue, and takes one on a shared broadcast queue', async () => {
    const exclusive = await replica('x', true);
    await expect(broker.consume(exclusive.queue, () => undefined)).rejects.toThrow(
      `queue ${exclusive.queue} is exclusive and already has its consumer`,
    );
    const shared = await replica('s', false);
    await expect(broker.consume(shared.queue, () => undefined)).resolves.toBeDefined();
  });

  it('deletes the queue with its last consumer: nothing more is routed to it, and it can be declared anew', async () => {
    const a = await replica('a', true);
    await a.consumer.close();
    expect(() => broker.inspectQueue(a.queue)).toThrow(`no queue ${a.queue}`);
    await broker.publish('alert.created', body(1));
    const again = await replica('a', true);
    await broker.publish('alert.created', body(2));
    for (let i = 0; i < 5; i++) await turn();
    expect(again.got).toEqual(['alert.created:{"n":2}']);
  });

  it('keeps a service queue when its consumer leaves (only broadcast queues are auto-deleted)', async () => {
    await broker.declareService({
      service: 'alert',
      bindings: ['alert.*'],
      retryDelaysMs: [],
      events: true,
      rpc: false,
    });
    const consumer = await broker.consume(broker.names.serviceQueue('alert'), (d) => d.ack());
    await consumer.close();
    await broker.publish('alert.created', body(1));
    expect(broker.inspectQueue(broker.names.serviceQueue('alert')).depth).toBe(1);
  });
});
