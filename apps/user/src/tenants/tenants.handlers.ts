import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RpcPatterns, type CreateTenantRequest, type Page, type PageRequest, type TenantView } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { actingCaller } from '../common/caller.js';
import { TenantsService } from './tenants.service.js';

@Controller()
export class TenantsHandlers {
  constructor(private readonly tenants: TenantsService) {}

  @MessagePattern(RpcPatterns.UserTenantsCreate)
  create(@Payload() request: CreateTenantRequest, @Ctx() ctx: BusContext): Promise<TenantView> {
    return this.tenants.create(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserTenantsList)
  list(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<TenantView>> {
    return this.tenants.list(actingCaller(ctx), request);
  }
}
