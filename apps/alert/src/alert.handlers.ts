import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RoutingKeys,
  RpcPatterns,
  type AlertListQuery,
  type AlertNoteRequest,
  type AlertsReceived,
  type AlertStats,
  type AlertStatsQuery,
  type AlertTransitionRequest,
  type AlertView,
  type AlertWithTimeline,
  type ById,
  type CreateSilenceRequest,
  type Page,
  type PageRequest,
  type PayloadRejected,
  type RejectedPayloadView,
  type SilenceView,
  type TimelineEntry,
  type UpdateSilenceRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { AlertService } from './alert.service.js';
import { fromIso } from './domain/time.js';
import { IngestService } from './ingest.service.js';
import { RejectedService } from './rejected.service.js';
import { SilenceService } from './silence.service.js';

/**
 * The bus surface of the alert service: thin, every handler delegates. The tenant is the envelope's.
 * (Event handlers take the context as `unknown`: @EventPattern's signature types extra arguments so.)
 */
@Controller()
export class AlertHandlers {
  constructor(
    private readonly ingest: IngestService,
    private readonly alerts: AlertService,
    private readonly silences: SilenceService,
    private readonly rejected: RejectedService,
  ) {}

  @EventPattern(RoutingKeys.IngestAlertsReceived)
  async received(@Payload() payload: AlertsReceived, @Ctx() ctx: unknown): Promise<void> {
    const envelope = (ctx as BusContext).getEnvelope();
    await this.ingest.ingest({
      envelopeId: envelope.id,
      tenantId: envelope.tenantId,
      correlationId: envelope.correlationId,
      ...(envelope.actor ? { actor: envelope.actor } : {}),
      seenAt: fromIso(envelope.occurredAt),
      source: payload.source,
      alerts: payload.alerts,
    });
  }

  @EventPattern(RoutingKeys.IngestPayloadRejected)
  async payloadRejected(@Payload() payload: PayloadRejected, @Ctx() ctx: unknown): Promise<void> {
    const envelope = (ctx as BusContext).getEnvelope();
    await this.rejected.store(envelope.tenantId, envelope.id, fromIso(envelope.occurredAt), payload);
  }

  @MessagePattern(RpcPatterns.AlertList)
  list(@Payload() query: AlertListQuery, @Ctx() ctx: BusContext): Promise<Page<AlertView>> {
    return this.alerts.list(ctx.getTenantId(), query);
  }

  @MessagePattern(RpcPatterns.AlertGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<AlertWithTimeline> {
    return this.alerts.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.AlertAcknowledge)
  acknowledge(@Payload() request: AlertTransitionRequest, @Ctx() ctx: BusContext): Promise<AlertView> {
    const envelope = ctx.getEnvelope();
    return this.alerts.transition(
      envelope.tenantId,
      request.id,
      'acknowledge',
      envelope.actor,
      request.note ?? null,
      envelope.correlationId,
    );
  }

  @MessagePattern(RpcPatterns.AlertResolve)
  resolve(@Payload() request: AlertTransitionRequest, @Ctx() ctx: BusContext): Promise<AlertView> {
    const envelope = ctx.getEnvelope();
    return this.alerts.transition(
      envelope.tenantId,
      request.id,
      'resolve',
      envelope.actor,
      request.note ?? null,
      envelope.correlationId,
    );
  }

  @MessagePattern(RpcPatterns.AlertAddNote)
  addNote(@Payload() request: AlertNoteRequest, @Ctx() ctx: BusContext): Promise<TimelineEntry> {
    const envelope = ctx.getEnvelope();
    return this.alerts.addNote(envelope.tenantId, request.id, request.text, envelope.actor, envelope.correlationId);
  }

  @MessagePattern(RpcPatterns.AlertStats)
  stats(@Payload() query: AlertStatsQuery, @Ctx() ctx: BusContext): Promise<AlertStats> {
    return this.alerts.stats(ctx.getTenantId(), query.window);
  }

  @MessagePattern(RpcPatterns.AlertSilencesCreate)
  createSilence(@Payload() request: CreateSilenceRequest, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.create(ctx.getTenantId(), request, ctx.getEnvelope().actor);
  }

  @MessagePattern(RpcPatterns.AlertSilencesList)
  listSilences(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<SilenceView>> {
    return this.silences.list(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.AlertSilencesGet)
  getSilence(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.AlertSilencesUpdate)
  updateSilence(@Payload() request: UpdateSilenceRequest, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.AlertSilencesDelete)
  deleteSilence(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<SilenceView> {
    return this.silences.delete(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.AlertRejectedList)
  listRejected(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<RejectedPayloadView>> {
    return this.rejected.list(ctx.getTenantId(), request);
  }
}
