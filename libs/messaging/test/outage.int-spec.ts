// RabbitMQ-only: a 10,000-message run survives the broker closing our connections and an
// ~8-second network outage, and every message is handled exactly once.
//
// The outage is made with a TCP proxy between us and RabbitMQ (we cut it and refuse connections
// for a while), and the broker-side cut with `rabbitmqctl close_connection` on our own
// connections only: other suites using the same RabbitMQ are not disturbed, and RabbitMQ itself
// keeps running whatever happens here.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import type { VigilBusClient } from '../src/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { AMQP_URL, TcpProxy, TEST_MODE, TestBus, waitFor } from '@vigil/testing';
import { deliveredPayload } from './payloads.js';

const run = promisify(execFile);
// rabbitmqctl lives in sbin, which a non-login PATH may lack.
const SBIN_PATH = [process.env.PATH, '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean).join(':');
const distributed = TEST_MODE === 'distributed';

/** rabbitmqctl, retried: the CLI occasionally fails when the node is busy. */
async function rabbitmqctl(args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await run('rabbitmqctl', args, { timeout: 15_000, env: { ...process.env, PATH: SBIN_PATH } })).stdout;
    } catch (error) {
      if (attempt >= 3)
        throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${(error as Error).message}`, { cause: error });
      await sleep(500);
    }
  }
}

async function closeOurConnections(connectionName: string): Promise<number> {
  const stdout = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '--no-table-headers', '--quiet']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) await rabbitmqctl(['close_connection', pid, 'vigil outage test']);
  return pids.length;
}

/** Publishes `total` events with at most `window` awaiting their confirm at any time. */
async function publishAll(client: VigilBusClient, total: number, window: number, sent: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const n = ++next;
      const envelope = await client.publish('notification.delivered', { tenantId: 't1', payload: deliveredPayload(n) });
      sent.push(envelope.payload.deliveryId);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

if (distributed) {
  describe('RabbitMQ outage (distributed only)', () => {
    jest.setTimeout(90_000);
    const target = new URL(AMQP_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5672));
    let bus: TestBus;
    let connectionName: string;

    beforeAll(async () => {
      await proxy.start();
      const viaProxy = new URL(AMQP_URL);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      connectionName = `vigil-test-outage-${process.pid}-${Date.now()}`;
      bus = new TestBus({ url: viaProxy.toString(), connectionName });
    });

    afterAll(async () => {
      await proxy.start().catch(() => undefined); // make sure we can reach the broker to clean up
      await bus.dispose();
      await proxy.cut();
    });

    it('handles 10,000 messages exactly once across a forced close and a 10 s outage', async () => {
      const total = 10_000;
      const handled = new Map<string, number>();
      await bus.server(
        'history',
        (s) =>
          s.addHandler(
            'notification.delivered',
            async (p: { deliveryId: string }) => void handled.set(p.deliveryId, (handled.get(p.deliveryId) ?? 0) + 1),
            true,
          ),
        {
          prefetch: 50,
        },
      );
      const client = bus.client('notification');
      const sent: string[] = [];
      const started = Date.now();
      // Phase 1: 4,000 messages, with our connections force-closed while they flow.
      const firstBatch = publishAll(client, 4_000, 100, sent);
      await waitFor(() => handled.size >= 1_000, { what: '1,000 handled before the forced close', timeoutMs: 30_000 });
      expect(await closeOurConnections(connectionName)).toBeGreaterThan(0);
      await firstBatch;
      await waitFor(() => handled.size >= 3_000, { what: '3,000 handled before the outage', timeoutMs: 30_000 });

      // Phase 2: the broker becomes unreachable for 10 s while the other 6,000 are being published.
      await proxy.cut();
      const secondBatch = publishAll(client, 6_000, 100, sent);
      await sleep(10_000);
      // While the broker was unreachable nothing was confirmed, so no publish resolved.
      expect(sent).toHaveLength(4_000);
      expect(bus.broker.isConnected()).toBe(false);
      await expect(bus.broker.check()).rejects.toThrow(/not connected/);
      await proxy.start();
      const publishing = secondBatch;

      await publishing;
      await waitFor(() => handled.size >= total, { what: `all ${total} messages handled`, timeoutMs: 30_000 });
      await sleep(500);
      expect(sent).toHaveLength(total);
      expect(new Set(sent).size).toBe(total);
      expect(sent.every((id) => handled.get(id) === 1)).toBe(true);
      expect(handled.size).toBe(total);
      expect(bus.broker.isConnected()).toBe(true);
      expect(await bus.queues.depth(bus.broker.names.serviceQueue('history'))).toBe(0);
      expect(await bus.queues.depth(bus.broker.names.deadLetterQueue('history'))).toBe(0);
      expect(Date.now() - started).toBeLessThan(60_000);
    });
  });
} else {
  it('runs only against RabbitMQ (VIGIL_TEST_MODE=distributed)', () => {
    expect(TEST_MODE).not.toBe('distributed');
  });
}
