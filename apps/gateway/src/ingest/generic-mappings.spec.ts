import { alertIdOf, RpcPatterns, type RpcPattern, type WebhookMappingView } from '@vigil/contracts';
import type { AlertServiceClient } from '../bus/alert-service.client.js';
import type { GatewayConfig } from '../gateway.config.js';
import { mappingPathProblems, type GenericMapping } from './generic.js';
import { GenericMappings, mappingLayers } from './generic-mappings.js';
import { TenantValueCache } from './mapping-cache.js';

const context = { tenantId: 't1', now: 1_795_000_000_000_000n, mode: 'lenient' as const, maxBatch: 100 };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('TenantValueCache', () => {
  let now = 0;
  const clock = () => now;
  let loads: string[];
  let value: string;
  const loader = (tenantId: string) => {
    loads.push(tenantId);
    return Promise.resolve(`${tenantId}:${value}`);
  };

  beforeEach(() => {
    now = 1_000;
    loads = [];
    value = 'v1';
  });

  it('loads a tenant once per TTL, and again once it expired', async () => {
    const cache = new TenantValueCache(5_000, loader, clock);
    expect(await cache.get('a')).toBe('a:v1');
    value = 'v2';
    now += 4_999;
    expect(await cache.get('a')).toBe('a:v1');
    expect(loads).toEqual(['a']);
    now += 1;
    expect(await cache.get('a')).toBe('a:v2');
    expect(loads).toEqual(['a', 'a']);
  });

  it('keeps tenants apart', async () => {
    const cache = new TenantValueCache(5_000, loader, clock);
    expect(await cache.get('a')).toBe('a:v1');
    expect(await cache.get('b')).toBe('b:v1');
    expect(loads).toEqual(['a', 'b']);
  });

  it('loads again right after an eviction', async () => {
    const cache = new TenantValueCache(5_000, loader, clock);
    await cache.get('a');
    await cache.get('b');
    value = 'v2';
    cache.evict('a');
    expect(await cache.get('a')).toBe('a:v2');
    expect(await cache.get('b')).toBe('b:v1');
    expect(loads).toEqual(['a', 'b', 'a']);
  });

  it('shares one load between concurrent misses', async () => {
    const pending = deferred<string>();
    let calls = 0;
    const cache = new TenantValueCache(
      5_000,
      () => {
        calls++;
        return pending.promise;
      },
      clock,
    );
    const both = Promise.all([cache.get('a'), cache.get('a')]);
    pending.resolve('x');
    expect(await both).toEqual(['x', 'x']);
    expect(await cache.get('a')).toBe('x');
    expect(calls).toBe(1);
  });

  it('does not let a load that was running at the eviction put its older value back', async () => {
    const first = deferred<string>();
    const answers = [first.promise, Promise.resolve('new')];
    const cache = new TenantValueCache(5_000, () => answers.shift()!, clock);
    const before = cache.get('a');
    cache.evict('a');
    first.resolve('old');
    expect(await before).toBe('old');
    expect(await cache.get('a')).toBe('new');
    expect(await cache.get('a')).toBe('new');
  });

  it('does not keep a failure, and with a TTL of 0 loads every time', async () => {
    let fail = true;
    const flaky = new TenantValueCache(
      5_000,
      () => (fail ? Promise.reject(new Error('down')) : Promise.resolve('up')),
      clock,
    );
    await expect(flaky.get('a')).rejects.toThrow('down');
    fail = false;
    expect(await flaky.get('a')).toBe('up');

    const uncached = new TenantValueCache(0, loader, clock);
    await uncached.get('a');
    await uncached.get('a');
    expect(loads).toEqual(['a', 'a']);
  });
});

describe('GenericMappings: stored mapping, query over it', () => {
  let now: number;
  let stored: Record<string, GenericMapping | null>;
  let calls: { pattern: RpcPattern; tenantId: string }[];

  function receiver(ttlMs = 5_000): GenericMappings {
    const alerts = {
      inTenant: (pattern: RpcPattern, tenantId: string): Promise<WebhookMappingView> => {
        calls.push({ pattern, tenantId });
        return Promise.resolve({
          source: 'generic',
          mapping: stored[tenantId] ?? null,
          updatedAt: null,
          updatedBy: null,
        });
      },
    } as unknown as AlertServiceClient;
    return new GenericMappings(alerts, { WEBHOOK_MAPPING_CACHE_TTL_MS: ttlMs } as GatewayConfig, () => now);
  }

  const body = { check: { name: 'Backups', level: 'critical', key: 'bk-1', alt: 'low' }, other: 'Other' };

  beforeEach(() => {
    now = 1_000;
    stored = { t1: { type: '$.check.name', severity: 'check.level', fingerprint: 'check.key' } };
    calls = [];
  });

  it('puts the query paths over the stored ones, field by field', () => {
    expect(mappingLayers(null, { type: 'a' })).toEqual([{ type: 'a' }]);
    expect(mappingLayers({ type: 'x', severity: 'y' }, { type: 'a' })).toEqual([
      { type: 'x', severity: 'y' },
      { type: 'a' },
    ]);
  });

  it("maps with the tenant's stored mapping", async () => {
    const result = await receiver().map('t1', body, context, {});
    expect(result).toMatchObject({
      ok: true,
      alerts: [{ alertType: 'Backups', severity: 'critical', fingerprint: 'bk-1', alertId: alertIdOf('t1', 'bk-1') }],
    });
    expect(calls).toEqual([{ pattern: RpcPatterns.AlertWebhookMappingGet, tenantId: 't1' }]);
  });

  it('lets a query parameter override one path and keeps the others', async () => {
    const result = await receiver().map('t1', body, context, { severity: 'check.alt' });
    expect(result).toMatchObject({
      ok: true,
      alerts: [{ alertType: 'Backups', severity: 'low', fingerprint: 'bk-1' }],
    });
  });

  it("uses the defaults for a tenant without one, never another tenant's", async () => {
    const result = await receiver().map('t2', body, context, {});
    expect(result).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^type: the path "alert_type" resolves to nothing/)],
    });
    expect(await receiver().map('t2', body, context, { type: 'other' })).toMatchObject({
      ok: true,
      alerts: [{ alertType: 'Other' }],
    });
  });

  it('asks the alert service once per TTL, and at once after an eviction', async () => {
    const generic = receiver(5_000);
    await generic.map('t1', body, context, {});
    stored.t1 = { type: 'other' };
    expect(await generic.map('t1', body, context, {})).toMatchObject({ ok: true, alerts: [{ alertType: 'Backups' }] });
    generic.evict('t1');
    expect(await generic.map('t1', body, context, {})).toMatchObject({ ok: true, alerts: [{ alertType: 'Other' }] });
    stored.t1 = { type: 'check.level' };
    now += 5_000;
    expect(await generic.map('t1', body, context, {})).toMatchObject({ ok: true, alerts: [{ alertType: 'critical' }] });
    expect(calls).toHaveLength(3);
  });

  it('refuses a bad query before asking the alert service', async () => {
    expect(await receiver().map('t1', body, context, { nope: 'x' })).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^nope: unknown query parameter/)],
    });
    expect(calls).toEqual([]);
  });
});

describe('mappingPathProblems', () => {
  it('names each bad path by its field, and passes good ones', () => {
    expect(mappingPathProblems({ type: '$.check.name', labels: "$['key.with.dots']", items: 'events[0]' })).toEqual([]);
    expect(mappingPathProblems({ type: 'a[', severity: 'ok', runbook: 'a..b', summary: '' })).toEqual([
      'type: the path "a[" has an unclosed "[" at 1',
      'summary: the path "" is empty',
      'runbook: the path "a..b" has an empty field name at 2',
    ]);
  });
});
