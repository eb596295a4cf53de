import { Inject, Injectable } from '@nestjs/common';
import { pingPatternOf, SERVICES, SYSTEM_TENANT, type PingReply, type ServiceName } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { CLOCK, SERVICE_INFO, type Clock, type ServiceInfo } from '@vigil/runtime';
import type { GatewayConfig } from '../gateway.config.js';
import { GATEWAY_CONFIG } from '../tokens.js';

export type ServiceHealth = 'ok' | 'degraded' | 'unreachable';

export interface ServiceStatus {
  name: ServiceName;
  version: string | null;
  status: ServiceHealth;
  roundTripMs: number;
  error?: string;
}

export interface SystemStatus {
  status: 'ok' | 'degraded';
  mode: ServiceInfo['mode'];
  version: string;
  checkedAt: string;
  services: ServiceStatus[];
}

/**
 * Pings every service over the bus, in parallel, and reports each one's answer and round trip. The
 * route is public, so one fan-out (six RPCs) serves every caller for SYSTEM_STATUS_CACHE_MS:
 * callers within that time, and callers arriving while a fan-out is in flight, share its answer
 * (`checkedAt` says when it was taken).
 */
@Injectable()
export class SystemStatusService {
  /** Short: a status page must answer even when a service is gone. */
  private readonly pingTimeoutMs = 2000;
  private latest?: { at: number; status: Promise<SystemStatus> };

  constructor(
    private readonly bus: VigilBusClient,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CLOCK) private readonly now: Clock,
  ) {}

  status(): Promise<SystemStatus> {
    const now = this.now();
    const latest = this.latest;
    // A fan-out in flight is shared whatever the TTL; a finished one for SYSTEM_STATUS_CACHE_MS after it answered.
    if (latest && (latest.at === -1 || now - latest.at < this.config.SYSTEM_STATUS_CACHE_MS)) return latest.status;
    const entry = { at: -1, status: this.check() };
    this.latest = entry;
    void entry.status.then(
      () => {
        entry.at = this.now();
      },
      () => {
        if (this.latest === entry) this.latest = undefined;
      },
    );
    return entry.status;
  }

  private async check(): Promise<SystemStatus> {
    const services = await Promise.all(SERVICES.map((service) => this.ping(service)));
    return {
      status: services.every((s) => s.status === 'ok') ? 'ok' : 'degraded',
      mode: this.info.mode,
      version: this.info.version,
      checkedAt: new Date(this.now()).toISOString(),
      services,
    };
  }

  private async ping(service: ServiceName): Promise<ServiceStatus> {
    const started = performance.now();
    try {
      const reply = await this.bus.request<PingReply>(
        pingPatternOf(service),
        { tenantId: SYSTEM_TENANT, payload: {} },
        { timeoutMs: this.pingTimeoutMs },
      );
      return { name: service, version: reply.version, status: reply.status, roundTripMs: elapsed(started) };
    } catch (error) {
      return {
        name: service,
        version: null,
        status: 'unreachable',
        roundTripMs: elapsed(started),
        error: (error as Error).message,
      };
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
