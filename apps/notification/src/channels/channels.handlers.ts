import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type ChannelTestRequest,
  type ChannelTestResult,
  type ChannelView,
  type CreateChannelRequest,
  type Page,
  type UpdateChannelRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { ChannelsService } from './channels.service.js';

/** The bus surface of a tenant's notification channels (thin). The tenant is the envelope's, the author its actor. */
@Controller()
export class ChannelsHandlers {
  constructor(private readonly channels: ChannelsService) {}

  @MessagePattern(RpcPatterns.NotificationChannelsCreate)
  create(@Payload() request: CreateChannelRequest, @Ctx() ctx: BusContext): Promise<ChannelView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.channels.create(tenantId, request, actor);
  }

  @MessagePattern(RpcPatterns.NotificationChannelsList)
  list(@Ctx() ctx: BusContext): Promise<Page<ChannelView>> {
    return this.channels.list(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.NotificationChannelsGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<ChannelView> {
    return this.channels.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.NotificationChannelsUpdate)
  update(@Payload() request: UpdateChannelRequest, @Ctx() ctx: BusContext): Promise<ChannelView> {
    return this.channels.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.NotificationChannelsDelete)
  async delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<{ deleted: true }> {
    await this.channels.delete(ctx.getTenantId(), request.id);
    return { deleted: true };
  }

  @MessagePattern(RpcPatterns.NotificationChannelsTest)
  test(@Payload() request: ChannelTestRequest, @Ctx() ctx: BusContext): Promise<ChannelTestResult> {
    return this.channels.test(ctx.getTenantId(), request.id, request.message);
  }
}
