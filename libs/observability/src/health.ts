import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';

/** Something whose reachability decides readiness: it throws when it cannot serve. */
export interface Probe {
  /** Resolves when reachable; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export const BROKER_PROBE = Symbol('BROKER_PROBE');

/** Ready only when the message broker really answers: never "up" without checking. */
@Injectable()
export class BrokerHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(BROKER_PROBE) private readonly broker: Probe,
  ) {}

  isHealthy(timeoutMs = 2000): PromiseLike<HealthIndicatorResult<'broker'>> {
    return this.health
      .check('broker')
      .attempt(() => this.broker.check())
      .withTimeout(timeoutMs);
  }
}
