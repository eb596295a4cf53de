import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RpcPatterns, type Page, type PageRequest, type RejectedPayloadView } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { RejectedService } from './rejected.service.js';

@Controller()
export class RejectedHandlers {
  constructor(private readonly rejected: RejectedService) {}

  @MessagePattern(RpcPatterns.AlertRejectedList)
  list(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<RejectedPayloadView>> {
    return this.rejected.list(ctx.getTenantId(), request);
  }
}
