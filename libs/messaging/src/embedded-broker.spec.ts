import { EmbeddedBroker } from './embedded-broker.js';
import type { Delivery } from './broker.js';
import { PublishWithdrawnError } from './errors.js';

/**
 * A publish with withdrawAfterMs on the embedded broker (standalone's ingest): taken only once the
 * consumer acked it, since nothing in the broker outlives the process.
 */
describe('EmbeddedBroker: a publish that waits for its consumer (withdrawAfterMs)', () => {
  let broker: EmbeddedBroker;
  const queue = () => broker.names.serviceQueue('alert');
  const body = Buffer.from('{}');

  beforeEach(async () => {
    broker = new EmbeddedBroker({ namespace: `t${Math.random().toString(36).slice(2)}` });
    await broker.connect();
    await broker.declareService({
      service: 'alert',
      bindings: ['ingest.#'],
      retryDelaysMs: [],
      events: true,
      rpc: false,
    });
  });
  afterEach(() => broker.close());

  /** What publish() has done so far, without waiting for it. */
  function watch(promise: Promise<void>): { state: () => 'pending' | 'resolved' | Error } {
    let state: 'pending' | 'resolved' | Error = 'pending';
    promise.then(
      () => (state = 'resolved'),
      (error: Error) => (state = error),
    );
    return { state: () => state };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('resolves when the consumer acks, not when the message is queued or delivered', async () => {
    const held: Delivery[] = [];
    await broker.consume(queue(), (delivery) => void held.push(delivery));
    const publish = watch(broker.publish('ingest.alerts.received', body, { withdrawAfterMs: 60_000 }));
    for (let i = 0; i < 5 && held.length === 0; i++) await turn();
    expect(held).toHaveLength(1);
    expect(publish.state()).toBe('pending');
    held[0]!.ack();
    await turn();
    expect(publish.state()).toBe('resolved');
  });

  it('waits again through a requeue and resolves on the ack that follows', async () => {
    const held: Delivery[] = [];
    await broker.consume(queue(), (delivery) => void held.push(delivery));
    const publish = watch(broker.publish('ingest.alerts.received', body, { withdrawAfterMs: 60_000 }));
    for (let i = 0; i < 5 && held.length === 0; i++) await turn();
    held[0]!.nack(true);
    for (let i = 0; i < 5 && held.length === 1; i++) await turn();
    expect(held).toHaveLength(2);
    expect(held[1]!.redelivered).toBe(true);
    expect(publish.state()).toBe('pending');
    held[1]!.ack();
    await turn();
    expect(publish.state()).toBe('resolved');
  });

  it('withdraws a message no consumer took by the deadline: rejected, and gone from the queue', async () => {
    await expect(broker.publish('ingest.alerts.received', body, { withdrawAfterMs: 50 })).rejects.toBeInstanceOf(
      PublishWithdrawnError,
    );
    const held: Delivery[] = [];
    await broker.consume(queue(), (delivery) => void held.push(delivery));
    for (let i = 0; i < 5; i++) await turn();
    expect(held).toEqual([]);
  });

  it('resolves at the deadline when a consumer has the message in hand, and leaves it there', async () => {
    const held: Delivery[] = [];
    await broker.consume(queue(), (delivery) => void held.push(delivery));
    await expect(broker.publish('ingest.alerts.received', body, { withdrawAfterMs: 50 })).resolves.toBeUndefined();
    expect(held).toHaveLength(1);
  });

  it('does not wait without withdrawAfterMs (events between services)', async () => {
    await expect(broker.publish('ingest.alerts.received', body)).resolves.toBeUndefined();
  });
});
