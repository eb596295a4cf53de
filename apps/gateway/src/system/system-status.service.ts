import { Inject, Injectable } from '@nestjs/common';
import { pingPatternOf, SERVICES, SYSTEM_TENANT, type PingReply, type ServiceName } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { SERVICE_INFO, type ServiceInfo } from '@vigil/runtime';

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

/** Pings every service over the bus, in parallel, and reports each one's answer and round trip. */
@Injectable()
export class SystemStatusService {
  /** Short: a status page must answer even when a service is gone. */
  private readonly pingTimeoutMs = 2000;

  constructor(
    private readonly bus: VigilBusClient,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
  ) {}

  async status(): Promise<SystemStatus> {
    const services = await Promise.all(SERVICES.map((service) => this.ping(service)));
    return {
      status: services.every((s) => s.status === 'ok') ? 'ok' : 'degraded',
      mode: this.info.mode,
      version: this.info.version,
      checkedAt: new Date().toISOString(),
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
