import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthIndicatorFunction } from '@nestjs/terminus';
import { BrokerHealthIndicator } from '@vigil/observability';
import { DatabaseHealthIndicator } from '@vigil/persistence';

/**
 * Liveness says the process answers; readiness says it can do its work: the broker and its
 * database really answered just now.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly broker: BrokerHealthIndicator,
    @Optional() @Inject(DatabaseHealthIndicator) private readonly database?: DatabaseHealthIndicator,
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
    return this.health.check(checks);
  }
}
