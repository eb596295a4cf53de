// Live-updates benchmark (`npm run bench:ws`): the whole system as processes (each its real entry
// point, dist/apps/<app>/src/main.js) over RabbitMQ (a messaging namespace of its own) and PostgreSQL
// (database `vigil_bench_ws`, recreated), with TWO gateway processes. 10 tenants; 1,000 WebSocket
// clients (100 a tenant, every other one on the second gateway, each with its tenant's alerts:read
// key on the upgrade) subscribed to `alerts`, while alerts are posted to the Alertmanager webhook at
// a fixed rate (open loop, one tenant after another, 5 alerts a request, every fingerprint new).
// Prints:
//   - fan-out latency of alert.created from the alert service's commit to each client (the event id
//     is a UUIDv7 made in the committing transaction: its time is the commit's, to the millisecond),
//     p50/p99/max over every delivery;
//   - each gateway's resident memory (peak during the run, and at the end);
//   - events delivered to a client of another tenant, and alert.created events a client of the
//     alert's tenant never got (both must be 0).
// Env: AMQP_URL, DATABASE_URL (server; the bench uses its own database on it), BENCH_WS_CLIENTS (1000),
// BENCH_WS_RATE (500 alerts/s), BENCH_WS_SECONDS (20).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { alertIdOf } from '@vigil/contracts';
import { ALL_SERVICES } from '../apps/standalone/src/services.js';
import {
  AMQP_URL,
  Api,
  createTenants,
  percentile,
  recreateDatabase,
  removeNamespace,
  round,
  SERVICE_ENV,
  startService,
  stop,
  waitReady,
  waitUntil,
  type BenchTenant,
} from './support/system.js';

const CLIENTS = Number(process.env.BENCH_WS_CLIENTS ?? 1_000);
const RATE = Number(process.env.BENCH_WS_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_WS_SECONDS ?? 20);
const TENANTS = 10;
const PER_REQUEST = 5;
const GATEWAY_PORTS = [3390, 3391];
const HEALTH_BASE_PORT = 3392;
/** How often the benchmark's own event loop is sampled (the histogram counts the interval too). */
const LOOP_SAMPLE_MS = 5;

/** The epoch milliseconds a UUIDv7 was made at. */
const timeOfUuidV7 = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

/** Resident memory of a process now and at its peak, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: round(kib('VmRSS') / 1024), peak: round(kib('VmHWM') / 1024) };
}

interface Client {
  tenant: number;
  socket: WebSocket;
  /** alert ids of the alert.created events it got, and how many times each. */
  created: Map<string, number>;
}

async function connect(
  url: string,
  tenant: number,
  key: string,
  latencies: number[],
  wrong: { count: number },
  ownAlert: (tenant: number, alertId: string) => boolean,
): Promise<Client> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/ws`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const client: Client = { tenant, socket, created: new Map() };
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as {
        type: string;
        id?: string;
        event?: string;
        data?: { alert?: { alertId: string } };
      };
      if (frame.type === 'subscribed') return resolve();
      if (frame.type === 'authenticated') return socket.send(JSON.stringify({ type: 'subscribe', topic: 'alerts' }));
      if (frame.type !== 'event') return;
      const alertId = frame.data?.alert?.alertId ?? '';
      if (!ownAlert(tenant, alertId)) wrong.count++;
      if (frame.event !== 'alert.created') return;
      latencies.push(Date.now() - timeOfUuidV7(frame.id!));
      client.created.set(alertId, (client.created.get(alertId) ?? 0) + 1);
    });
    socket.once('error', reject);
    socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
  return client;
}

async function main(): Promise<void> {
  const databaseUrl = await recreateDatabase('vigil_bench_ws');
  const namespace = `bench-ws-${randomBytes(3).toString('hex')}`;
  const base = { ...SERVICE_ENV, AMQP_URL, DATABASE_URL: databaseUrl, BUS_NAMESPACE: namespace };
  const services = ALL_SERVICES.filter((def) => def.service !== 'gateway').map((def, i) => ({
    name: def.service,
    health: `http://127.0.0.1:${HEALTH_BASE_PORT + i}/health/ready`,
    process: startService(def.service, { ...base, HEALTH_PORT: String(HEALTH_BASE_PORT + i) }),
  }));
  const gateways = GATEWAY_PORTS.map((port) => ({
    url: `http://127.0.0.1:${port}`,
    process: startService('gateway', { ...base, PORT: String(port) }),
  }));
  const api = new Api(gateways[0]!.url, 64);
  const clients: Client[] = [];
  try {
    await Promise.all([
      ...services.map((s) => waitReady(s.health, s.process)),
      ...gateways.map((g) => waitReady(`${g.url}/health/ready`, g.process)),
    ]);
    const tenants: BenchTenant[] = await createTenants(api, randomBytes(3).toString('hex'), TENANTS, [
      'alerts:write',
      'alerts:read',
    ]);

    // What each tenant posted: the alert ids (UUIDv5 of tenant and fingerprint) known before sending,
    // so an event that overtakes its 202 still counts as its tenant's; `accepted` holds the answered ones.
    const sentIds = tenants.map(() => new Set<string>());
    const posted = tenants.map(() => new Set<string>());
    const latencies: number[] = [];
    const wrong = { count: 0 };
    const ownAlert = (tenant: number, alertId: string) => sentIds[tenant]!.has(alertId);
    for (let i = 0; i < CLIENTS; i += 50)
      clients.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(50, CLIENTS - i) }, (_, j) => {
            const n = i + j;
            const tenant = n % TENANTS;
            return connect(
              gateways[n % 2]!.url,
              tenant,
              tenants[tenant]!.keys['alerts:read']!,
              latencies,
              wrong,
              ownAlert,
            );
          }),
        )),
      );
    console.log(
      `\nLive updates (distributed: six services + a second gateway, RabbitMQ + PostgreSQL): ${CLIENTS} WebSocket clients, ${TENANTS} tenants, ${GATEWAY_PORTS.length} gateway replicas; alerts at ${RATE}/s through the Alertmanager webhook for ${SECONDS} s`,
    );

    const memoryPeak = gateways.map(() => 0);
    const sampler = setInterval(() => {
      gateways.forEach((g, i) => (memoryPeak[i] = Math.max(memoryPeak[i]!, memoryOf(g.process.pid!).rss)));
    }, 500);
    const requestsPerSecond = RATE / PER_REQUEST;
    const requests = requestsPerSecond * SECONDS;
    const run = randomBytes(3).toString('hex');
    let refused = 0;
    const inFlight: Promise<void>[] = [];
    // The clients share this process with the sender: its own delay is part of every latency measured.
    const loopDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let r = 0; r < requests; r++) {
      const wait = started + (r * 1000) / requestsPerSecond - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const tenant = r % TENANTS;
      const alerts = Array.from({ length: PER_REQUEST }, (_, k) => {
        const fingerprint = `ws-${run}-${r}-${k}`;
        sentIds[tenant]!.add(alertIdOf(tenants[tenant]!.id, fingerprint));
        return {
          status: 'firing',
          labels: { alertname: 'WsBench', instance: fingerprint, severity: 'warning' },
          annotations: { summary: `instance ${fingerprint} is down` },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus:9090/graph',
          fingerprint,
        };
      });
      // Counted as posted once answered 202: only those must reach every client of the tenant.
      inFlight.push(
        api
          .call(
            'POST',
            '/api/v1/webhooks/alertmanager',
            { authorization: `Bearer ${tenants[tenant]!.keys['alerts:write']!}` },
            {
              receiver: 'vigil',
              status: 'firing',
              alerts,
              groupLabels: {},
              commonLabels: {},
              commonAnnotations: {},
              externalURL: 'http://alertmanager:9093',
              version: '4',
              groupKey: `{}:{run="${run}"}`,
            },
          )
          .then((reply) => {
            if (reply.status !== 202) {
              refused++;
              return;
            }
            for (const id of (reply.body as { ids: string[] }).ids) posted[tenant]!.add(id);
          }),
      );
    }
    await Promise.all(inFlight);
    const sentSeconds = (performance.now() - started) / 1000;
    const expected = (c: Client) => posted[c.tenant]!.size;
    const delivered = () => clients.reduce((n, c) => n + c.created.size, 0);
    const wanted = clients.reduce((n, c) => n + expected(c), 0);
    await waitUntil(
      'every alert.created at every client of its tenant',
      async () => delivered() >= wanted,
      60_000,
    ).catch(() => undefined);
    clearInterval(sampler);
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuBefore);
    const benchSeconds = (performance.now() - started) / 1000;

    let lost = 0;
    let duplicates = 0;
    for (const c of clients)
      for (const id of posted[c.tenant]!) {
        const times = c.created.get(id) ?? 0;
        if (times === 0) lost++;
        if (times > 1) duplicates += times - 1;
      }
    latencies.sort((x, y) => x - y);
    const accepted = posted.reduce((n, s) => n + s.size, 0);
    console.log(
      `  ingest: ${accepted} alerts answered 202 in ${round(sentSeconds)} s (${round(accepted / sentSeconds)}/s), ${refused} requests refused`,
    );
    console.log(
      `  fan-out commit → client (alert.created, ${latencies.length} deliveries): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms   target p99 < 200`,
    );
    console.log(
      `  this benchmark's process (the ${clients.length} clients and the sender): ${round((cpu.user + cpu.system) / 1e6)} CPU-s in ${round(benchSeconds)} s, event-loop delay p50 ${round(loopDelay.percentile(50) / 1e6 - LOOP_SAMPLE_MS)} ms, p99 ${round(loopDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS)} ms (part of the latencies above)`,
    );
    gateways.forEach((g, i) => {
      const now = memoryOf(g.process.pid!);
      console.log(
        `  gateway ${i + 1}: resident memory peak ${memoryPeak[i]} MiB during the run, ${now.rss} MiB at the end`,
      );
    });
    console.log(
      `  delivered to a client of another tenant: ${wrong.count}   lost (an alert.created a client of its tenant never got): ${lost}   duplicated: ${duplicates}   target 0 and 0`,
    );
  } finally {
    for (const c of clients) c.socket.terminate();
    await api.close();
    await Promise.all([...gateways, ...services].map((s) => stop(s.process)));
    await removeNamespace(namespace);
  }
}

await main();
