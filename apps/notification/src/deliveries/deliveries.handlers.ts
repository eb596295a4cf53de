import { Controller, NotFoundException } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type DeliveryListQuery,
  type DeliveryPage,
  type SlackMessageLookupRequest,
  type SlackMessageOwner,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { DeliveriesService } from './deliveries.service.js';

/** The deliveries list (GET /api/v1/notifications/deliveries) and the Slack message lookup for button clicks. */
@Controller()
export class DeliveriesHandlers {
  constructor(private readonly deliveries: DeliveriesService) {}

  @MessagePattern(RpcPatterns.NotificationDeliveriesList)
  list(@Payload() query: DeliveryListQuery, @Ctx() ctx: BusContext): Promise<DeliveryPage> {
    return this.deliveries.list(ctx.getTenantId(), query);
  }

  @MessagePattern(RpcPatterns.NotificationSlackMessageLookup)
  async slackMessage(@Payload() request: SlackMessageLookupRequest): Promise<SlackMessageOwner> {
    const owner = await this.deliveries.slackOwner(request);
    if (!owner) throw new NotFoundException('no Vigil message has this Slack channel and timestamp');
    return owner;
  }
}
