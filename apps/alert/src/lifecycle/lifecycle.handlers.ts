import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type AlertNoteRequest,
  type AlertTransitionRequest,
  type AlertView,
  type TimelineEntry,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { LifecycleService } from './lifecycle.service.js';

/** Acknowledge, resolve and notes over the bus: the actor is the envelope's (set by the gateway from the credential). */
@Controller()
export class LifecycleHandlers {
  constructor(private readonly lifecycle: LifecycleService) {}

  @MessagePattern(RpcPatterns.AlertAcknowledge)
  acknowledge(@Payload() request: AlertTransitionRequest, @Ctx() ctx: BusContext): Promise<AlertView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.lifecycle.transition(tenantId, request.id, 'acknowledge', actor, request.note ?? null);
  }

  @MessagePattern(RpcPatterns.AlertResolve)
  resolve(@Payload() request: AlertTransitionRequest, @Ctx() ctx: BusContext): Promise<AlertView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.lifecycle.transition(tenantId, request.id, 'resolve', actor, request.note ?? null);
  }

  @MessagePattern(RpcPatterns.AlertAddNote)
  addNote(@Payload() request: AlertNoteRequest, @Ctx() ctx: BusContext): Promise<TimelineEntry> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.lifecycle.addNote(tenantId, request.id, request.text, actor);
  }
}
