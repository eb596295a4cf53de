import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type HistoryExportRequest,
  type HistoryFilterOptions,
  type HistorySessionExport,
  type HistoryStats,
  type HistoryStatsQuery,
  type HistorySessionDetail,
  type HistorySessionListQuery,
  type HistorySessionPage,
  type HistorySessionSummary,
  type PageRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { QueriesService } from './queries.service.js';

/** The history read API's RPCs (the gateway's /api/v1/history routes); tenant from the envelope. */
@Controller()
export class QueriesHandlers {
  constructor(private readonly queries: QueriesService) {}

  @MessagePattern(RpcPatterns.HistorySessionsList)
  list(@Payload() query: HistorySessionListQuery, @Ctx() ctx: BusContext): Promise<HistorySessionPage> {
    return this.queries.list(ctx.getTenantId(), query);
  }

  @MessagePattern(RpcPatterns.HistoryActiveSessions)
  active(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<HistorySessionPage> {
    return this.queries.active(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.HistorySessionGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<HistorySessionDetail> {
    return this.queries.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.HistorySessionSummary)
  summary(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<HistorySessionSummary> {
    return this.queries.summary(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.HistorySessionExport)
  export(@Payload() request: HistoryExportRequest, @Ctx() ctx: BusContext): Promise<HistorySessionExport> {
    return this.queries.export(ctx.getTenantId(), request.id, request.format);
  }

  @MessagePattern(RpcPatterns.HistoryStats)
  stats(@Payload() query: HistoryStatsQuery, @Ctx() ctx: BusContext): Promise<HistoryStats> {
    return this.queries.stats(ctx.getTenantId(), query.window);
  }

  @MessagePattern(RpcPatterns.HistoryFilterOptions)
  filterOptions(@Payload() _request: object, @Ctx() ctx: BusContext): Promise<HistoryFilterOptions> {
    return this.queries.filterOptions(ctx.getTenantId());
  }
}
