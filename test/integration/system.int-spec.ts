import { SERVICES } from '@vigil/contracts';
import { TEST_MODE, TestHarness } from '@vigil/testing';

describe(`the six services (${TEST_MODE})`, () => {
  let system: TestHarness;

  beforeAll(async () => {
    system = await TestHarness.system();
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

  it('replaces an unsafe correlation id rather than logging it', async () => {
    const res = await fetch(`${system.url}/api/v1/system/status`, { headers: { 'X-Correlation-Id': 'a b {c} <d>' } });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
