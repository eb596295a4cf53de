// Graceful shutdown of a service: the bus server stops taking messages and waits for the handlers
// in flight for as long as SHUTDOWN_TIMEOUT_MS allows, then lets the broker redeliver what is left.
import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { RoutingKeys, type AlertSnapshot } from '@vigil/contracts';
import { TestHarness, TEST_MODE, waitFor } from '@vigil/testing';
import type { ServiceDefinition } from '../src/index.js';

/** A handler that runs until the test lets it finish. */
const handler = {
  started: 0,
  finished: 0,
  gate: Promise.resolve(),
};

@Controller()
class SlowHandlers {
  @EventPattern(RoutingKeys.AlertCreated)
  async created(_data: unknown): Promise<void> {
    handler.started++;
    await handler.gate;
    handler.finished++;
  }
}

@Module({ controllers: [SlowHandlers] })
class SlowModule {}

const slowApp: ServiceDefinition = { service: 'notification', module: SlowModule };

const alert: AlertSnapshot = {
  alertId: '0190d5a4-0000-7000-8000-000000000001',
  fingerprint: 'slow',
  alertType: 'widget',
  severity: 'info',
  status: 'triggered',
  labels: {},
  occurrences: 1,
  silenced: false,
  startedAt: '2030-01-01T00:00:00.000000Z',
  lastSeenAt: '2030-01-01T00:00:00.000000Z',
};

const DRAIN_GAVE_UP = 'in-flight handlers did not finish in time; their messages will be redelivered';

describe(`shutdown drain (${TEST_MODE})`, () => {
  let h: TestHarness | undefined;
  let release: () => void = () => undefined;

  beforeEach(() => {
    handler.started = 0;
    handler.finished = 0;
    handler.gate = new Promise((resolve) => (release = resolve));
  });
  afterEach(async () => {
    release();
    await h?.close();
    h = undefined;
  });

  it('waits SHUTDOWN_TIMEOUT_MS for a handler in flight, then stops without it', async () => {
    h = await TestHarness.service(slowApp, { config: { SHUTDOWN_TIMEOUT_MS: '300' } });
    await h.publish(RoutingKeys.AlertCreated, { tenantId: 'tenant-a', payload: { alert } });
    await waitFor(() => handler.started === 1, { what: 'the handler in flight' });

    await h.stop(h.service);
    expect(handler.finished).toBe(0);
    const gaveUp = h.logs.filter((line) => line['msg'] === DRAIN_GAVE_UP);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toMatchObject({ service: 'notification', timeoutMs: 300, inFlight: 1 });
  });

  it('lets a handler in flight finish within SHUTDOWN_TIMEOUT_MS before stopping', async () => {
    h = await TestHarness.service(slowApp, { config: { SHUTDOWN_TIMEOUT_MS: '30000' } });
    await h.publish(RoutingKeys.AlertCreated, { tenantId: 'tenant-a', payload: { alert } });
    await waitFor(() => handler.started === 1, { what: 'the handler in flight' });

    const stopping = h.stop(h.service);
    release();
    await stopping;
    expect(handler.finished).toBe(1);
    expect(h.logs.filter((line) => line['msg'] === DRAIN_GAVE_UP)).toHaveLength(0);
  });
});
