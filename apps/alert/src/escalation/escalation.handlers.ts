import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { RoutingKeys } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { EscalationService } from './escalation.service.js';

/** The notification service's escalation steps, off the bus, onto the alert's timeline. Acked once committed. */
@Controller()
export class EscalationHandlers {
  constructor(private readonly escalation: EscalationService) {}

  @EventPattern(RoutingKeys.AlertEscalated)
  async escalated(@Ctx() ctx: unknown): Promise<void> {
    await this.escalation.record(ctx as BusContext);
  }
}
