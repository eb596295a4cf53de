import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type CreateEscalationPolicyRequest,
  type EscalationPolicyView,
  type Page,
  type UpdateEscalationPolicyRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { EscalationPoliciesService } from './escalation-policies.service.js';

/** The bus surface of a tenant's escalation policies (thin). */
@Controller()
export class EscalationPoliciesHandlers {
  constructor(private readonly policies: EscalationPoliciesService) {}

  @MessagePattern(RpcPatterns.NotificationEscalationPoliciesCreate)
  create(@Payload() request: CreateEscalationPolicyRequest, @Ctx() ctx: BusContext): Promise<EscalationPolicyView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.policies.create(tenantId, request, actor);
  }

  @MessagePattern(RpcPatterns.NotificationEscalationPoliciesList)
  list(@Ctx() ctx: BusContext): Promise<Page<EscalationPolicyView>> {
    return this.policies.list(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.NotificationEscalationPoliciesGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<EscalationPolicyView> {
    return this.policies.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.NotificationEscalationPoliciesUpdate)
  update(@Payload() request: UpdateEscalationPolicyRequest, @Ctx() ctx: BusContext): Promise<EscalationPolicyView> {
    return this.policies.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.NotificationEscalationPoliciesDelete)
  async delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<{ deleted: true }> {
    await this.policies.delete(ctx.getTenantId(), request.id);
    return { deleted: true };
  }
}
