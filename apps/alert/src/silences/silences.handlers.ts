import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type CreateSilenceRequest,
  type Page,
  type PageRequest,
  type SilenceView,
  type UpdateSilenceRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { SilencesService } from './silences.service.js';

/** Silences over the bus: the tenant is the envelope's. */
@Controller()
export class SilencesHandlers {
  constructor(private readonly silences: SilencesService) {}

  @MessagePattern(RpcPatterns.AlertSilencesCreate)
  create(@Payload() request: CreateSilenceRequest, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.create(ctx.getTenantId(), request, ctx.getEnvelope().actor);
  }

  @MessagePattern(RpcPatterns.AlertSilencesList)
  list(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<SilenceView>> {
    return this.silences.list(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.AlertSilencesGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.AlertSilencesUpdate)
  update(@Payload() request: UpdateSilenceRequest, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.AlertSilencesDelete)
  delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.delete(ctx.getTenantId(), request.id);
  }
}
