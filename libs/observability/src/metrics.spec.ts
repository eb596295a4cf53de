import { Counter } from 'prom-client';
import { createHttpMetrics, createMetricsRegistry, exposeMetrics } from './metrics.js';
import { createLogger } from './logger.js';
import { Writable } from 'node:stream';

describe('metrics', () => {
  it('exposes several services as one text page, each series labelled by service', async () => {
    const registries = ['user', 'alert'].map((service, i) => {
      const registry = createMetricsRegistry(service, { processMetrics: i === 0 });
      new Counter({ name: 'vigil_things_total', help: 'things', registers: [registry] }).inc(i + 1);
      return registry;
    });
    const { body } = await exposeMetrics(registries);
    expect(body).toContain('vigil_things_total{service="user"} 1');
    expect(body).toContain('vigil_things_total{service="alert"} 2');
    expect(body.match(/# TYPE vigil_things_total counter/g)).toHaveLength(1);
    expect(body).toContain('vigil_process_cpu_seconds_total');
  });

  it('counts HTTP requests by route template and status', async () => {
    const registry = createMetricsRegistry('gateway', { processMetrics: false });
    createHttpMetrics(registry).observe('GET', '/api/v1/alerts/:id', 404, 0.002);
    expect(await registry.metrics()).toContain(
      'vigil_http_requests_total{method="GET",route="/api/v1/alerts/:id",status="404",service="gateway"} 1',
    );
  });
});

describe('logger', () => {
  it('writes JSON lines with service, level name and the current context', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'alert', context: () => ({ correlationId: 'c-1' }), destination });
    logger.info({ req: { headers: { authorization: 'Bearer secret' } } }, 'hello');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ service: 'alert', level: 'info', correlationId: 'c-1', msg: 'hello' });
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
