import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type AlertListQuery,
  type AlertView,
  type AlertWithTimeline,
  type ById,
  type Page,
  type SimilarAlertsQuery,
  type SimilarAlertView,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { QueriesService } from './queries.service.js';

@Controller()
export class QueriesHandlers {
  constructor(private readonly queries: QueriesService) {}

  @MessagePattern(RpcPatterns.AlertList)
  list(@Payload() query: AlertListQuery, @Ctx() ctx: BusContext): Promise<Page<AlertView>> {
    return this.queries.list(ctx.getTenantId(), query);
  }

  @MessagePattern(RpcPatterns.AlertSimilar)
  similar(@Payload() query: SimilarAlertsQuery, @Ctx() ctx: BusContext): Promise<SimilarAlertView[]> {
    return this.queries.similar(ctx.getTenantId(), query);
  }

  @MessagePattern(RpcPatterns.AlertGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<AlertWithTimeline> {
    return this.queries.get(ctx.getTenantId(), request.id);
  }
}
