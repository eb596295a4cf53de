import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RpcPatterns, type WebhookMapping, type WebhookMappingView } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { WebhookMappingService } from './webhook-mapping.service.js';

/** The bus surface of stored webhook mappings (thin). The tenant is the envelope's, the author its actor. */
@Controller()
export class WebhookMappingHandlers {
  constructor(private readonly mappings: WebhookMappingService) {}

  @MessagePattern(RpcPatterns.AlertWebhookMappingGet)
  get(@Ctx() ctx: BusContext): Promise<WebhookMappingView> {
    return this.mappings.get(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.AlertWebhookMappingPut)
  put(@Payload() mapping: WebhookMapping, @Ctx() ctx: BusContext): Promise<WebhookMappingView> {
    const envelope = ctx.getEnvelope();
    return this.mappings.put(envelope.tenantId, mapping, envelope.actor);
  }
}
