// Notification benchmark (`npm run bench:notify`): the notification service as its real entry point
// (dist/apps/notification/src/main.js) over RabbitMQ (a messaging namespace of its own) and PostgreSQL
// (database `vigil_bench_notify`, recreated), with the Slack stand-in and a real SMTP server
// (libs/testing) in this process. The benchmark plays the alert service: it publishes alert.created
// envelopes as its outbox relay does (persistent, confirmed) at BENCH_NOTIFY_RATE events/s for
// BENCH_NOTIFY_SECONDS, 1 % of them a second time (the relay's at-least-once). Each alert is routed to
// 3 channels (two Slack channels and one email channel of its route: 70 tenants × 30 routes, created
// over the service's RPCs). Alerts go round-robin over the routes, so no Slack channel is asked for more
// than its one message a second: nothing is grouped or paced, and the latencies are the engine's own.
// Printed: deliveries/s (first publish → last delivery), latency from the publish of alert.created (the
// alert service's commit) to the provider request (the first attempt's start) p50/p99 (target p99 <
// 500 ms), and lost and duplicate deliveries as the providers saw them (target zero of each).
// Exits non-zero when a delivery is lost or sent twice, or the deliveries did not all settle.
// Env: AMQP_URL, DATABASE_URL (server; the bench uses its own database on it), BENCH_NOTIFY_RATE (1000),
// BENCH_NOTIFY_SECONDS (20), BENCH_NOTIFY_SETTLE_MS (600000: the longest wait for the deliveries to settle).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import {
  createEnvelope,
  isoMicros,
  RoutingKeys,
  RpcPatterns,
  type AlertSnapshot,
  type Envelope,
} from '@vigil/contracts';
import { RabbitBroker, VigilBusClient } from '@vigil/messaging';
import { SlackStandin, SmtpStandin } from '@vigil/testing';
import {
  AMQP_URL,
  percentile,
  recreateDatabase,
  removeNamespace,
  round,
  SERVICE_ENV,
  startService,
  stop,
  waitReady,
} from './support/system.js';

const RATE = Number(process.env.BENCH_NOTIFY_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_NOTIFY_SECONDS ?? 20);
const TENANTS = 70;
const ROUTES_PER_TENANT = 30;
const DUPLICATE_SHARE = 0.01;
const HEALTH_PORT = 3905;
const PUBLIC_URL = 'https://vigil.bench';
const TICK_MS = 10;
/**
 * How long the deliveries may take to settle after the last publish: as long as they progress (some
 * settle every STALL_MS), up to BENCH_NOTIFY_SETTLE_MS.
 */
const SETTLE_MS = Number(process.env.BENCH_NOTIFY_SETTLE_MS ?? 600_000);
const STALL_MS = 30_000;
const ALERT_LINK = /\/alerts\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
const logger = pino({ level: 'warn' });

interface Route {
  tenantId: string;
  service: string;
  /** Where its alerts must arrive: the two Slack channel ids and the email address. */
  slack: [string, string];
  email: string;
}

/** The tenants' channels and routes, over the service's RPCs as the gateway sends them. */
async function configure(client: VigilBusClient, run: string): Promise<Route[]> {
  const routes: Route[] = [];
  const actor = { kind: 'user' as const, id: 'bench-manager' };
  const call = <T>(tenantId: string, pattern: string, payload: object) =>
    client.request<T>(pattern, { tenantId, actor, payload }, { timeoutMs: 30_000 });
  const one = async (t: number) => {
    const tenantId = `bench-${run}-${t}`;
    for (let r = 0; r < ROUTES_PER_TENANT; r++) {
      const service = `svc-${r}`;
      const slack: [string, string] = [`C${run}${t}X${r}A`.toUpperCase(), `C${run}${t}X${r}B`.toUpperCase()];
      const email = `${service}@t${t}.bench`;
      const channels = await Promise.all([
        ...slack.map((channelId) =>
          call<{ id: string }>(tenantId, RpcPatterns.NotificationChannelsCreate, {
            name: `slack-${channelId}`.toLowerCase(),
            type: 'slack',
            config: { channelId },
            secrets: { botToken: 'xoxb-test-token' },
          }),
        ),
        call<{ id: string }>(tenantId, RpcPatterns.NotificationChannelsCreate, {
          name: `email-${service}`,
          type: 'email',
          config: { to: [email] },
        }),
      ]);
      await call(tenantId, RpcPatterns.NotificationRoutesCreate, {
        name: `route-${service}`,
        labelMatchers: [{ name: 'service', op: '=', value: service }],
        channelIds: channels.map((c) => c.id),
      });
      routes.push({ tenantId, service, slack, email });
    }
  };
  for (let t = 0; t < TENANTS; t += 10)
    await Promise.all(Array.from({ length: Math.min(10, TENANTS - t) }, (_, i) => one(t + i)));
  return routes;
}

function alertOf(route: Route): AlertSnapshot {
  const now = isoMicros();
  return {
    alertId: randomUUID(),
    fingerprint: randomBytes(8).toString('hex'),
    alertType: 'KubePodCrashLooping',
    severity: 'critical',
    status: 'triggered',
    summary: `${route.service} is crash looping`,
    labels: { alertname: 'KubePodCrashLooping', service: route.service, namespace: 'prod' },
    occurrences: 1,
    silenced: false,
    startedAt: now,
    lastSeenAt: now,
  };
}

interface Published {
  /** Unix microseconds when the alert.created publish started, by alert id. */
  at: Map<string, number>;
  /** Where each alert must arrive: `slack:<channel>` twice and `email:<address>`. */
  expected: Map<string, string[]>;
  count: number;
  again: number;
  firstUs: number;
  lastUs: number;
}

/** alert.created at RATE/s for SECONDS, round-robin over the routes, 1 % published twice. */
async function publishLoad(broker: RabbitBroker, routes: readonly Route[]): Promise<Published> {
  const total = RATE * SECONDS;
  const published: Published = { at: new Map(), expected: new Map(), count: 0, again: 0, firstUs: 0, lastUs: 0 };
  const send = (envelope: Envelope<object>) =>
    broker.publish(envelope.type, Buffer.from(JSON.stringify(envelope)), {
      messageId: envelope.id,
      correlationId: envelope.correlationId,
      appId: 'alert',
    });
  const started = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total;) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE) + 1);
    for (; i < due; i++) {
      // Alert i goes to route i (modulo): each route's channels get one message every routes/RATE seconds.
      const route = routes[i % routes.length]!;
      const alert = alertOf(route);
      const envelope = createEnvelope({ type: RoutingKeys.AlertCreated, tenantId: route.tenantId, payload: { alert } });
      const nowUs = Date.now() * 1000;
      published.at.set(alert.alertId, nowUs);
      published.expected.set(alert.alertId, [
        `slack:${route.slack[0]}`,
        `slack:${route.slack[1]}`,
        `email:${route.email}`,
      ]);
      published.firstUs ||= nowUs;
      published.lastUs = nowUs;
      pending.push(send(envelope));
      if (Math.random() < DUPLICATE_SHARE) {
        published.again++;
        pending.push(send(envelope));
      }
    }
    if (pending.length > 5_000) await Promise.all(pending.splice(0));
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(pending);
  published.count = total;
  return published;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** What the providers received, by alert: `slack:<channel>` / `email:<address>`, once per message. */
function received(slack: SlackStandin, smtp: SmtpStandin): Map<string, string[]> {
  const byAlert = new Map<string, string[]>();
  const add = (alertId: string | undefined, where: string) => {
    if (!alertId) return;
    byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), where]);
  };
  for (const request of slack.requestsOf('chat.postMessage'))
    if (request.status === 200 && !request.error)
      add(ALERT_LINK.exec(JSON.stringify(request.args))?.[1], `slack:${String(request.args['channel'])}`);
  for (const mail of smtp.received) add(ALERT_LINK.exec(mail.text ?? mail.html ?? '')?.[1], `email:${mail.to[0]}`);
  return byAlert;
}

async function main(): Promise<number> {
  const databaseUrl = await recreateDatabase('vigil_bench_notify');
  const run = randomBytes(2).toString('hex');
  const namespace = `vigil-bench-notify-${run}`;
  const slack = await SlackStandin.start({ tokens: ['xoxb-test-token'] });
  const smtp = await SmtpStandin.start();
  const service = startService('notification', {
    ...SERVICE_ENV,
    AMQP_URL,
    DATABASE_URL: databaseUrl,
    BUS_NAMESPACE: namespace,
    HEALTH_PORT: String(HEALTH_PORT),
    SLACK_API_URL: slack.apiUrl,
    SMTP_URL: smtp.url,
    SMTP_FROM: 'Vigil <vigil@bench>',
    PUBLIC_URL,
  });
  const broker = new RabbitBroker({ url: AMQP_URL, namespace, logger });
  const client = new VigilBusClient(broker, { service: 'gateway', logger, rpcTimeoutMs: 30_000 });
  const db = new pg.Client({ connectionString: databaseUrl });
  let failed: boolean | undefined;
  try {
    await waitReady(`http://127.0.0.1:${HEALTH_PORT}/health/ready`, service);
    await client.connect();
    await db.connect();
    const routes = await configure(client, run);
    console.log(
      `\nNotifications (distributed: the notification service over RabbitMQ + PostgreSQL; ${TENANTS} tenants × ${ROUTES_PER_TENANT} routes, 3 channels each: 2 Slack + 1 email; alert.created at ${RATE}/s for ${SECONDS} s, ${DUPLICATE_SHARE * 100} % published twice)`,
    );
    const cpuBefore = cpuSeconds(service.pid);
    const published = await publishLoad(broker, routes);
    const expectedDeliveries = published.count * 3;
    const deadline = Date.now() + SETTLE_MS;
    let settled = 0;
    let progressAt = Date.now();
    for (;;) {
      const { rows } = await db.query(
        `SELECT COUNT(*) FILTER (WHERE status IN ('delivered', 'failed')) AS done, COUNT(*) AS planned
         FROM vigil_notification.notification_deliveries`,
      );
      const done = Number(rows[0].done);
      if (done > settled) progressAt = Date.now();
      settled = done;
      if (settled >= expectedDeliveries || Date.now() > deadline || Date.now() - progressAt > STALL_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const waitEnded =
      settled >= expectedDeliveries
        ? undefined
        : Date.now() > deadline
          ? `the wait ended after ${SETTLE_MS / 1000} s (BENCH_NOTIFY_SETTLE_MS)`
          : `no delivery settled for ${STALL_MS / 1000} s`;
    const cpuUsed = cpuSeconds(service.pid) - cpuBefore;
    // Let late copies (a duplicate would come after its first) show themselves.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const { rows: timing } = await db.query(
      `SELECT d.alert_id, a.started_at_us, d.created_at_us, d.delivered_at_us FROM vigil_notification.notification_deliveries d
       JOIN vigil_notification.notification_delivery_attempts a ON a.tenant_id = d.tenant_id AND a.delivery_id = d.id AND a.attempt = 1`,
    );
    const latencies = timing
      .map((r) => (Number(r.started_at_us) - (published.at.get(String(r.alert_id)) ?? NaN)) / 1000)
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);
    const planning = timing
      .map((r) => (Number(r.created_at_us) - (published.at.get(String(r.alert_id)) ?? NaN)) / 1000)
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);
    const lastDeliveredUs = Math.max(...timing.map((r) => Number(r.delivered_at_us ?? 0)));
    const { rows: statuses } = await db.query(
      `SELECT status, COUNT(*) AS n FROM vigil_notification.notification_deliveries GROUP BY status ORDER BY status`,
    );

    const got = received(slack, smtp);
    let notReceived = 0;
    let duplicates = 0;
    for (const [alertId, expected] of published.expected) {
      const arrived = got.get(alertId) ?? [];
      for (const where of expected) {
        const times = arrived.filter((w) => w === where).length;
        if (times === 0) notReceived++;
        if (times > 1) duplicates += times - 1;
      }
    }
    // Not received because the wait ended first (still pending, sending or not yet planned) is not
    // lost: lost is what settled (delivered or failed) without a provider receiving it.
    const unfinished = expectedDeliveries - settled;
    const lost = Math.max(0, notReceived - unfinished);
    const seconds = (lastDeliveredUs - published.firstUs) / 1e6;
    console.log(
      `  deliveries: ${settled} of ${expectedDeliveries} settled (${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}); ${round(settled / seconds, 0)} deliveries/s (first publish → last delivery, ${round(seconds, 1)} s; published at ${round(published.count / ((published.lastUs - published.firstUs) / 1e6), 0)} alerts/s)`,
    );
    console.log(
      `  latency alert.created publish → provider request: p50 ${round(percentile(latencies, 50), 1)} ms, p99 ${round(percentile(latencies, 99), 1)} ms, max ${round(latencies.at(-1) ?? NaN, 1)} ms (${latencies.length} deliveries)   target p99 < 500 ms`,
    );
    console.log(
      `  of which planning (publish → delivery row committed): p50 ${round(percentile(planning, 50), 1)} ms, p99 ${round(percentile(planning, 99), 1)} ms`,
    );
    console.log(
      `  lost ${lost}, duplicate ${duplicates} (as the Slack stand-in and the SMTP server received them; ${published.again} alert.created envelopes were published twice)   target 0 and 0`,
    );
    if (waitEnded)
      console.log(
        `  NOT FINISHED: ${unfinished} deliveries had not settled when ${waitEnded}; the figures above cover the ${settled} that had`,
      );
    console.log(
      `  the notification process used ${round(cpuUsed, 1)} s of CPU: ${round((cpuUsed * 1000) / settled, 2)} ms per delivery (planning, sending, recording); load average ${loadavg()
        .map((l) => round(l, 1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(
      `  Slack stand-in: ${slack.requestsOf('chat.postMessage').length} chat.postMessage, ${slack.requestsOf('chat.postMessage').filter((r) => r.status === 429).length} answered 429; SMTP: ${smtp.received.length} messages`,
    );
    failed = lost > 0 || duplicates > 0 || waitEnded !== undefined;
  } finally {
    await stop(service);
    await client.close().catch(() => undefined);
    await broker.close().catch(() => undefined);
    await db.end().catch(() => undefined);
    await slack.close();
    await smtp.close();
    await removeNamespace(namespace);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
