import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { BrokerHealthIndicator } from '@vigil/observability';
import { DatabaseHealthIndicator } from '@vigil/persistence';
import type { ServiceDatabase } from './start-service.js';
import { PROCESS_DATABASES, SERVICE_INFO } from './tokens.js';
import type { ServiceInfo } from './service-info.js';

/**
 * Liveness says the process answers; readiness says it can do its work: the broker and its
 * database really answered just now (a query, bounded by a timeout). In standalone mode the one
 * HTTP server answers for the whole process: every service's database is checked too, each under
 * `database:<service>`, and one that does not answer makes it 503.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly broker: BrokerHealthIndicator,
    @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
    @Optional() @Inject(DatabaseHealthIndicator) private readonly database?: DatabaseHealthIndicator,
    @Optional() @Inject(PROCESS_DATABASES) private readonly databases: readonly ServiceDatabase[] = [],
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    const checks: HealthIndicatorFunction[] = [() => this.broker.isHealthy()];
    if (this.database) checks.push(() => this.database!.check());
    for (const other of this.databases)
      if (other.service !== this.info.service) checks.push(() => other.indicator.check(`database:${other.service}`));
    return this.health.check(checks);
  }
}
