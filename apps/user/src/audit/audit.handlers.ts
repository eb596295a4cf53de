import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RpcPatterns, type AuditEntryView, type AuditQuery, type Page } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { actingCaller } from '../common/caller.js';
import { AuditService } from './audit.service.js';

@Controller()
export class AuditHandlers {
  constructor(private readonly audit: AuditService) {}

  @MessagePattern(RpcPatterns.UserAuditList)
  list(@Payload() query: AuditQuery, @Ctx() ctx: BusContext): Promise<Page<AuditEntryView>> {
    return this.audit.list(actingCaller(ctx).tenantId, query);
  }
}
