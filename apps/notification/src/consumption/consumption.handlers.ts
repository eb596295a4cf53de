import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { RoutingKeys } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { ConsumptionService } from './consumption.service.js';

/**
 * The alert service's alert.* events, off the bus: each handler returns once the deliveries its
 * event causes are planned and committed, and only then is it acked. (Event handlers take the
 * context as `unknown`.) alert.escalated is this service's own announcement and is not consumed.
 */
@Controller()
export class ConsumptionHandlers {
  constructor(private readonly consumption: ConsumptionService) {}

  @EventPattern(RoutingKeys.AlertCreated)
  async created(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AlertUpdated)
  async updated(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AlertAcknowledged)
  async acknowledged(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AlertResolved)
  async resolved(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.AlertAnalysed)
  async analysed(@Ctx() ctx: unknown): Promise<void> {
    await this.consumption.consume(ctx as BusContext);
  }
}
