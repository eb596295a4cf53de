import { ExpiringCache } from '../access/expiring-cache.js';

/** Tenants whose value the gateway keeps at most (the oldest goes first when full). */
const MAX_TENANTS = 10_000;

/**
 * Per-tenant values loaded on demand and used for at most `ttlMs` (0: loaded every time).
 * Concurrent misses of one tenant share one load. `evict` drops the tenant's entry at once, and a
 * load already running when it was called does not put its (possibly older) value back.
 */
export class TenantValueCache<V> {
  private readonly values: ExpiringCache<string, V>;
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly load: (tenantId: string) => Promise<V>,
    now: () => number = Date.now,
    maxTenants = MAX_TENANTS,
  ) {
    this.values = new ExpiringCache(maxTenants, now);
  }

  get(tenantId: string): Promise<V> {
    const cached = this.values.get(tenantId);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.loading.get(tenantId);
    if (running) return running;
    // Only the load still registered for the tenant may fill the cache: evict() unregisters it.
    const current = () => this.loading.get(tenantId) === promise;
    const promise: Promise<V> = this.load(tenantId).then(
      (value) => {
        if (current()) {
          this.loading.delete(tenantId);
          this.values.set(tenantId, value, this.ttlMs);
        }
        return value;
      },
      (error: unknown) => {
        if (current()) this.loading.delete(tenantId);
        throw error;
      },
    );
    this.loading.set(tenantId, promise);
    return promise;
  }

  /** The tenant's value changed: the next get loads it again. */
  evict(tenantId: string): void {
    this.values.delete(tenantId);
    this.loading.delete(tenantId);
  }
}
