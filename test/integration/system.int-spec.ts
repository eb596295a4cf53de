import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { pingPatternOf, RpcPatterns, SERVICES } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { call, login, TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { QueriesService } from '../../apps/alert/src/queries/queries.service.js';

type StatusBody = { status: string; checkedAt: string; services: { name: string; status: string }[] };

describe(`the six services (${TEST_MODE})`, () => {
  let system: TestHarness;

  beforeAll(async () => {
    // These tests read each status call's own fan-out (a service losing its database, the correlation
    // id reaching every service): no cached answers here; the cache has its tests below.
    system = await TestHarness.system({ env: { SYSTEM_STATUS_CACHE_MS: '0' } });
  }, 60_000);

  afterAll(async () => {
    await system?.close();
  });

  it('reports every service healthy, with version and round trip, on /api/v1/system/status', async () => {
    const res = await fetch(`${system.url}/api/v1/system/status`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      mode: string;
      services: { name: string; version: string; status: string; roundTripMs: number }[];
    };
    expect(body.status).toBe('ok');
    expect(body.mode).toBe(TEST_MODE === 'embedded' ? 'standalone' : 'distributed');
    expect(body.services.map((s) => s.name)).toEqual([...SERVICES]);
    for (const service of body.services) {
      expect(service).toMatchObject({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(service.roundTripMs).toBeGreaterThan(0);
    }
  });

  it('answers liveness, and readiness only after checking the broker and each database', async () => {
    for (const service of system.services.filter((s) => s.url)) {
      const live = await fetch(`${service.url}/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${service.url}/health/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; details: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(body.details.broker.status).toBe('up');
      if (service.service !== 'gateway') expect(body.details.database.status).toBe('up');
    }
  });

  it('says degraded, and not ready, when a service loses its database', async () => {
    const user = system.services.find((s) => s.service === 'user')!;
    const { DataSource } = await import('typeorm');
    const dataSource = user.app.get(DataSource);
    await dataSource.destroy();
    try {
      const status = (await (await fetch(`${system.url}/api/v1/system/status`)).json()) as {
        status: string;
        services: { name: string; status: string }[];
      };
      expect(status.status).toBe('degraded');
      expect(status.services.find((s) => s.name === 'user')?.status).toBe('degraded');
      expect(status.services.find((s) => s.name === 'alert')?.status).toBe('ok');
      // In distributed mode each service serves its own readiness (standalone: only the gateway listens).
      if (user.url) {
        const ready = await fetch(`${user.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(((await ready.json()) as { details: Record<string, { status: string }> }).details.database.status).toBe(
          'down',
        );
      }
    } finally {
      await dataSource.initialize();
    }
  });

  it('serves Prometheus metrics: HTTP requests and bus messages', async () => {
    await fetch(`${system.url}/api/v1/system/status`);
    const res = await fetch(`${system.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /vigil_http_requests_total\{method="GET",route="\/api\/v1\/system\/status",status="200",service="gateway"\} \d+/,
    );
    expect(text).toMatch(/vigil_rpc_duration_seconds_count\{[^}]*\} \d+/);
    expect(text).toContain('vigil_process_resident_memory_bytes');
  });

  it('answers an unknown path with a JSON 404, never HTML', async () => {
    const res = await fetch(`${system.url}/api/v1/nowhere?x=<script>`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({
      statusCode: 404,
      error: 'Not Found',
      message: expect.stringContaining('/api/v1/nowhere'),
    });
  });

  it('answers a body that is not JSON with a JSON 400 that says so', async () => {
    const res = await fetch(`${system.url}/api/v1/system/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"oops',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/JSON/);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/);
  });

  it('carries the correlation id from the HTTP request into every service it reaches', async () => {
    const correlationId = `trace-${Date.now()}`;
    const res = await fetch(`${system.url}/api/v1/system/status`, { headers: { 'X-Correlation-Id': correlationId } });
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    await new Promise((r) => setTimeout(r, 50));
    const servicesThatLogged = new Set(
      system.logs.filter((l) => l.correlationId === correlationId).map((l) => l.service),
    );
    for (const service of SERVICES.filter((s) => s !== 'gateway')) expect(servicesThatLogged).toContain(service);
  });

  it('logs an RPC handler that fails at error, with what it threw, and a refusal (4xx) at info', async () => {
    const correlationId = `rpc-failure-${Date.now()}`;
    const token = (await login(system.url, system.admin.email, system.admin.password)).access_token;
    const alert = system.services.find((s) => s.service === 'alert')!;
    const list = jest.spyOn(alert.app.get(QueriesService), 'list').mockRejectedValueOnce(new Error('disk on fire'));
    try {
      const failed = await call(system.url, 'GET', '/api/v1/alerts', {
        auth: { bearer: token },
        headers: { 'x-correlation-id': correlationId },
      });
      expect(failed.status).toBe(500);
    } finally {
      list.mockRestore();
    }
    const missing = await call(system.url, 'GET', `/api/v1/alerts/${randomUUID()}`, {
      auth: { bearer: token },
      headers: { 'x-correlation-id': correlationId },
    });
    expect(missing.status).toBe(404);
    const failures = await waitFor(
      () => {
        const lines = system.logs.filter(
          (l) => l.service === 'alert' && l.correlationId === correlationId && l.msg === 'RPC handler failed',
        );
        return lines.length === 2 && lines;
      },
      { what: "the alert service's two RPC failure lines" },
    );
    expect(failures).toEqual([
      expect.objectContaining({
        level: 'error',
        pattern: RpcPatterns.AlertList,
        status: 500,
        err: expect.objectContaining({
          message: 'disk on fire',
          stack: expect.stringContaining('Error: disk on fire'),
        }),
      }),
      expect.objectContaining({ level: 'info', pattern: RpcPatterns.AlertGet, status: 404 }),
    ]);
  });

  it('replaces an unsafe correlation id rather than logging it', async () => {
    const res = await fetch(`${system.url}/api/v1/system/status`, { headers: { 'X-Correlation-Id': 'a b {c} <d>' } });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe(`GET /api/v1/system/status, one fan-out for many callers (${TEST_MODE})`, () => {
  const CACHE_MS = 3000;
  const PINGS = new Set<string>(SERVICES.map((service) => pingPatternOf(service)));
  let system: TestHarness;
  let request: jest.Spied<VigilBusClient['request']>;

  beforeAll(async () => {
    system = await TestHarness.system({ env: { SYSTEM_STATUS_CACHE_MS: String(CACHE_MS) } });
    const gateway = system.services.find((s) => s.service === 'gateway')!;
    request = jest.spyOn(gateway.app.get(VigilBusClient), 'request');
  }, 60_000);

  afterAll(async () => {
    request?.mockRestore();
    await system?.close();
  });

  const pingsSent = (): number => request.mock.calls.filter(([pattern]) => PINGS.has(pattern)).length;
  const status = async (): Promise<StatusBody> => {
    const res = await fetch(`${system.url}/api/v1/system/status`);
    expect(res.status).toBe(200);
    return (await res.json()) as StatusBody;
  };

  it('answers calls in quick succession, and concurrent ones, from one round of six pings', async () => {
    request.mockClear();
    const first = await status();
    expect(pingsSent()).toBe(SERVICES.length);
    const again = await status();
    const together = await Promise.all(Array.from({ length: 10 }, () => status()));
    expect(pingsSent()).toBe(SERVICES.length);
    for (const answer of [again, ...together]) expect(answer).toEqual(first);
    expect(first.services.map((s) => s.status)).toEqual(Array(SERVICES.length).fill('ok'));
  });

  it('pings again once SYSTEM_STATUS_CACHE_MS has passed', async () => {
    const first = await status();
    request.mockClear();
    const fresh = await waitFor(
      async () => {
        const answer = await status();
        return answer.checkedAt !== first.checkedAt && answer;
      },
      { what: 'a status taken after the cached one expired', timeoutMs: CACHE_MS * 4, intervalMs: 100 },
    );
    expect(Date.parse(fresh.checkedAt) - Date.parse(first.checkedAt)).toBeGreaterThanOrEqual(CACHE_MS);
    expect(pingsSent()).toBe(SERVICES.length);
  });
});
