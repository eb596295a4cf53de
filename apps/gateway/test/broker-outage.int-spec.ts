// Alert ingest while the gateway's connection to RabbitMQ is lost, with senders that retry what is
// answered 503 (as Alertmanager does): every alert answered 202 is stored once, and one answered 503
// never is, so the stored occurrences equal the 202 answers exactly (decision D20).
//
// Distributed: the whole system on RabbitMQ, plus a second gateway whose connection goes through a
// TCP proxy; the senders post to that gateway. The server other suites use keeps running. Two
// outages in a row, each ended by counting answers, not by the clock:
// - held: the proxy stops passing what the gateway sends (its messages are written, the broker never
//   sees them and confirms nothing): each is answered 202 at INGEST_PUBLISH_TIMEOUT_MS and published
//   again once the connection is back;
// - cut: the connection is gone and reconnections are refused: a message waits in the client's queue,
//   is withdrawn unsent at INGEST_PUBLISH_TIMEOUT_MS and answered 503; the sender sends it again.
// Then a new proxy on the same port lets the gateway reconnect.
//
// Embedded mode has no broker connection to lose (the broker is in the process): there the same
// count holds for the same senders, every message taken at once.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommonConfig, loadConfig } from '@vigil/config';
import type { AlertWithTimeline } from '@vigil/contracts';
import type { MessageBroker } from '@vigil/messaging';
import { startService, type RunningService } from '@vigil/runtime';
import {
  AMQP_URL,
  call,
  createTestBroker,
  createTestTenant,
  logCollector,
  login,
  RELAXED_RATE_LIMITS,
  TcpProxy,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Answer,
  type Auth,
} from '@vigil/testing';
import { gatewayApp } from '../src/gateway.app.js';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const PUBLISH_TIMEOUT_MS = 300;
const SENDERS = 10;
/** A sender's pause before sending again what was answered 503 (Alertmanager waits with backoff too). */
const RETRY_PAUSE_MS = 100;

type Phase = 'connected' | 'held' | 'cut' | 'back';

interface Tally {
  accepted: number;
  /** 503 answers, and those saying the message was withdrawn unsent. */
  refused: number;
  withdrawn: number;
  /** Requests sent while the proxy held the gateway's bytes and answered before the cut, by status. */
  heldAnswers: Map<number, number>;
  unexpected: Answer[];
}

/**
 * SENDERS senders posting the same alert: each submission is sent again after a 503 until answered
 * 202, then the next one starts; until stop() (each finishes the submission it is on).
 */
function senders(post: () => Promise<Answer>, phase: () => Phase) {
  const tally: Tally = { accepted: 0, refused: 0, withdrawn: 0, heldAnswers: new Map(), unexpected: [] };
  let stopping = false;
  let alertId: string | undefined;
  const one = async () => {
    while (!stopping) {
      for (;;) {
        const sentIn = phase();
        const answer = await post();
        if (sentIn === 'held' && phase() === 'held')
          tally.heldAnswers.set(answer.status, (tally.heldAnswers.get(answer.status) ?? 0) + 1);
        if (answer.status === 202) {
          tally.accepted++;
          alertId ??= (answer.body.ids as string[])[0];
          break;
        }
        if (answer.status !== 503 || answer.headers.get('retry-after') !== '5') {
          tally.unexpected.push(answer);
          stopping = true;
          return;
        }
        tally.refused++;
        if (/could not take them within/.test(String(answer.body.message))) tally.withdrawn++;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  };
  const running = Promise.all(Array.from({ length: SENDERS }, one));
  return {
    tally,
    alertId: () => alertId,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

const ALERT = { alert_type: 'disk-full', runbook: 'https://runbooks.example/disk', fingerprint: `outage-${RUN}` };

if (TEST_MODE === 'distributed')
  describe('alert ingest across a lost broker connection (distributed)', () => {
    let system: TestHarness;
    let writer: Auth;
    let reader: Auth;
    let broker: MessageBroker | undefined;
    let gateway: RunningService | undefined;
    const proxies: TcpProxy[] = [];

    beforeAll(async () => {
      system = await TestHarness.system({
        env: { ...RELAXED_RATE_LIMITS, INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) },
      });
      const platform = await login(system.url, system.admin.email, system.admin.password);
      const t = await createTestTenant(system.url, { bearer: platform.access_token }, `outage-${RUN}`);
      writer = { apiKey: t.keys['alerts:write']!.key };
      reader = { apiKey: t.keys['alerts:read']!.key };
    }, 120_000);

    afterAll(async () => {
      await gateway?.close();
      await broker?.close();
      for (const proxy of proxies) await proxy.cut();
      await system?.close();
    });

    it('stores each alert answered 202 once and none answered 503, however its sender retries', async () => {
      const target = new URL(AMQP_URL);
      const first = new TcpProxy(target.hostname, Number(target.port || 5672));
      proxies.push(first);
      await first.start();
      const viaProxy = new URL(AMQP_URL);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(first.port);
      broker = createTestBroker({
        namespace: system.namespace,
        url: viaProxy.toString(),
        connectionName: `vigil-test:${system.namespace}:proxied-gateway`,
      });
      await broker.connect();
      gateway = await startService(
        gatewayApp,
        {
          mode: 'distributed',
          config: loadConfig(CommonConfig, {
            VIGIL_DATA_DIR: system.dataDir.path,
            LOG_LEVEL: 'warn',
            BUS_NAMESPACE: system.namespace,
            AMQP_URL: viaProxy.toString(),
            DATABASE_URL: system.database!.url,
          }),
          broker,
          registries: [],
          logDestination: logCollector(system.logs),
        },
        0,
      );
      const url = gateway.url!;

      let phase: Phase = 'connected';
      const run = senders(
        () => call(url, 'POST', '/api/v1/alerts', { auth: writer, body: ALERT }),
        () => phase,
      );
      try {
        await waitFor(() => (run.tally.accepted >= 2 * SENDERS || run.tally.unexpected.length ? true : undefined), {
          what: 'alerts accepted through the proxied gateway',
        });
        phase = 'held';
        first.holdUpstream();
        const heldAnswers = () => [...run.tally.heldAnswers.values()].reduce((a, b) => a + b, 0);
        await waitFor(() => (heldAnswers() >= SENDERS || run.tally.unexpected.length ? true : undefined), {
          what: 'requests sent while the connection was held answered',
        });
        phase = 'cut';
        const refusedBefore = run.tally.refused;
        await first.cut();
        await waitFor(
          () => (run.tally.refused >= refusedBefore + SENDERS || run.tally.unexpected.length ? true : undefined),
          { what: '503 answers while the connection is cut' },
        );
        // Readiness asks the broker for real: the replica says it cannot work, naming the broker.
        const notReady = await call<{ error: Record<string, { status: string }> }>(url, 'GET', '/health/ready');
        expect(notReady.status).toBe(503);
        expect(notReady.body.error['broker']?.status).toBe('down');
        const second = new TcpProxy(target.hostname, Number(target.port || 5672));
        second.port = first.port;
        proxies.push(second);
        await second.start();
        phase = 'back';
        const acceptedBack = run.tally.accepted;
        await waitFor(
          () => (run.tally.accepted >= acceptedBack + 2 * SENDERS || run.tally.unexpected.length ? true : undefined),
          { what: 'alerts accepted again once the gateway reconnected', timeoutMs: 30_000 },
        );
        expect((await call(url, 'GET', '/health/ready')).status).toBe(200);
      } finally {
        await run.stop();
      }
      expect(run.tally.unexpected).toEqual([]);

      const alertId = run.alertId()!;
      const occurrences = async () => {
        const answer = await call<AlertWithTimeline>(system.url, 'GET', `/api/v1/alerts/${alertId}`, { auth: reader });
        return answer.status === 200 ? answer.body.occurrences : 0;
      };
      // Settled: the gateway reconnected, what was answered 202 is stored, the alert queue is drained.
      await waitFor(
        async () =>
          broker!.isConnected() &&
          (await occurrences()) >= run.tally.accepted &&
          (await system.queues.depth(system.broker.names.serviceQueue('alert'))) === 0
            ? true
            : undefined,
        { what: 'every accepted alert stored and the alert queue drained', timeoutMs: 60_000 },
      );
      expect(await occurrences()).toBe(run.tally.accepted);
      // Both outages were met: answers to requests held unconfirmed were 202, the cut brought
      // withdrawals (503, sent again by the senders).
      expect([...run.tally.heldAnswers.keys()]).toEqual([202]);
      expect(run.tally.withdrawn).toBeGreaterThanOrEqual(SENDERS);
    }, 120_000);
  });
else
  describe('alert ingest while senders retry (embedded: no broker connection to lose)', () => {
    let system: TestHarness;

    afterAll(async () => {
      await system?.close();
    });

    it('stores each alert answered 202 once', async () => {
      system = await TestHarness.system({
        env: { ...RELAXED_RATE_LIMITS, INGEST_PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS) },
      });
      const platform = await login(system.url, system.admin.email, system.admin.password);
      const t = await createTestTenant(system.url, { bearer: platform.access_token }, `outage-${RUN}`);
      const writer: Auth = { apiKey: t.keys['alerts:write']!.key };
      const reader: Auth = { apiKey: t.keys['alerts:read']!.key };
      const run = senders(
        () => call(system.url, 'POST', '/api/v1/alerts', { auth: writer, body: ALERT }),
        () => 'connected',
      );
      try {
        await waitFor(() => (run.tally.accepted >= 20 * SENDERS || run.tally.unexpected.length ? true : undefined), {
          what: 'alerts accepted',
        });
      } finally {
        await run.stop();
      }
      expect(run.tally.unexpected).toEqual([]);
      expect(run.tally.refused).toBe(0);
      const id = run.alertId()!;
      const stored = await waitFor(
        async () => {
          const answer = await call<AlertWithTimeline>(system.url, 'GET', `/api/v1/alerts/${id}`, { auth: reader });
          return answer.status === 200 && answer.body.occurrences >= run.tally.accepted ? answer.body : undefined;
        },
        { what: 'every accepted alert stored' },
      );
      expect(stored.occurrences).toBe(run.tally.accepted);
    }, 120_000);
  });
