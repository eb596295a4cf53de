import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { RoutingKeys } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { AnalysisService } from './analysis.service.js';

/**
 * The agent runner's sessions, off the bus: each start and end of an investigation updates the
 * alert's analysis. Acked once committed. (Event handlers take the context as `unknown`.)
 */
@Controller()
export class AnalysisHandlers {
  constructor(private readonly analysis: AnalysisService) {}

  @EventPattern(RoutingKeys.AgentSessionStarted)
  async started(@Ctx() ctx: unknown): Promise<void> {
    await this.analysis.record(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentSessionCompleted)
  async completed(@Ctx() ctx: unknown): Promise<void> {
    await this.analysis.record(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentSessionFailed)
  async failed(@Ctx() ctx: unknown): Promise<void> {
    await this.analysis.record(ctx as BusContext);
  }
}
