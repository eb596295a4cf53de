import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { RoutingKeys } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { ConsumptionService } from './consumption.service.js';

/**
 * The agent runner's session events, off the bus: each handler returns once its event is
 * committed, and only then is it acked. (Event handlers take the context as `unknown`.)
 */
@Controller()
export class ConsumptionHandlers {
  constructor(private readonly consumption: ConsumptionService) {}

  @EventPattern(RoutingKeys.AgentSessionStarted)
  async started(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentLlmInteraction)
  async llm(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentMcpInteraction)
  async mcp(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentSessionCompleted)
  async completed(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AgentSessionFailed)
  async failed(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }
}
