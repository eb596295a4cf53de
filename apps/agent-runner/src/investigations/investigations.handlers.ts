import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RoutingKeys,
  RpcPatterns,
  type AlertCreated,
  type InvestigationAccepted,
  type InvestigationRequested,
  type StartInvestigationRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { InvestigationsService } from './investigations.service.js';

/**
 * New alerts and requested investigations off the bus; each handler returns (and its message is acked)
 * when the investigation is over. (Event handlers take the context as `unknown`: @EventPattern types it so.)
 */
@Controller()
export class InvestigationsHandlers {
  constructor(private readonly investigations: InvestigationsService) {}

  @EventPattern(RoutingKeys.AlertCreated)
  async alertCreated(@Ctx() ctx: unknown): Promise<void> {
    await this.investigations.onAlertCreated((ctx as BusContext).getEnvelope<AlertCreated>());
  }

  @EventPattern(RoutingKeys.AgentInvestigationRequested)
  async requested(@Ctx() ctx: unknown): Promise<void> {
    await this.investigations.onRequested((ctx as BusContext).getEnvelope<InvestigationRequested>());
  }

  @MessagePattern(RpcPatterns.AgentRunnerInvestigationsStart)
  start(@Payload() request: StartInvestigationRequest, @Ctx() ctx: BusContext): Promise<InvestigationAccepted> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.investigations.request(tenantId, request.alertId, actor);
  }
}
