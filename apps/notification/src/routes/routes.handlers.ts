import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type CreateRouteRequest,
  type Page,
  type RouteTestRequest,
  type RouteTestResult,
  type RouteView,
  type UpdateRouteRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { RoutesService } from './routes.service.js';

/** The bus surface of a tenant's notification routes and their dry run (thin). */
@Controller()
export class RoutesHandlers {
  constructor(private readonly routes: RoutesService) {}

  @MessagePattern(RpcPatterns.NotificationRoutesCreate)
  create(@Payload() request: CreateRouteRequest, @Ctx() ctx: BusContext): Promise<RouteView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.routes.create(tenantId, request, actor);
  }

  @MessagePattern(RpcPatterns.NotificationRoutesList)
  list(@Ctx() ctx: BusContext): Promise<Page<RouteView>> {
    return this.routes.list(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.NotificationRoutesGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<RouteView> {
    return this.routes.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.NotificationRoutesUpdate)
  update(@Payload() request: UpdateRouteRequest, @Ctx() ctx: BusContext): Promise<RouteView> {
    return this.routes.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.NotificationRoutesDelete)
  async delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<{ deleted: true }> {
    await this.routes.delete(ctx.getTenantId(), request.id);
    return { deleted: true };
  }

  @MessagePattern(RpcPatterns.NotificationRoutesTest)
  test(@Payload() request: RouteTestRequest, @Ctx() ctx: BusContext): Promise<RouteTestResult> {
    return this.routes.test(ctx.getTenantId(), request);
  }
}
