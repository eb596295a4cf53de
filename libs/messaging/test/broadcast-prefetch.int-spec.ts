// A replica's broadcast consumer (every replica's own queue, e.g. the gateway's live-updates relay)
// holds as many events at once as the server's prefetch, like its service queue: at a fixed 16 a
// relay fell behind a steady event stream while it had time to spare.
import { RoutingKeys } from '@vigil/contracts';
import { TEST_MODE, TestBus, waitFor } from '@vigil/testing';
import { deliveredPayload } from './payloads.js';

describe(`VigilBusServer broadcast consumer (${TEST_MODE})`, () => {
  let bus: TestBus;
  afterEach(() => bus?.dispose());

  it('holds up to the server prefetch of broadcast events in flight', async () => {
    bus = new TestBus();
    let started = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.server(
      'gateway',
      (server) =>
        server.addHandler(
          RoutingKeys.NotificationDelivered,
          async () => {
            started++;
            await gate;
          },
          true,
          { broadcast: true },
        ),
      { prefetch: 50 },
    );
    const client = bus.client('notification');
    for (let i = 0; i < 80; i++)
      await client.publish(RoutingKeys.NotificationDelivered, { tenantId: 't1', payload: deliveredPayload() });

    await waitFor(() => started === 50, { what: '50 broadcast events in flight' });
    // No more than the prefetch: the 30 others wait in the queue until the first ones are done.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(started).toBe(50);
    release();
    await waitFor(() => started === 80, { what: 'every broadcast event handled' });
  });
});
