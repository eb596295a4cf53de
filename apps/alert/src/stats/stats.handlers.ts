import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { RpcPatterns, type AlertStats, type AlertStatsQuery } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { StatsService } from './stats.service.js';

@Controller()
export class StatsHandlers {
  constructor(private readonly service: StatsService) {}

  @MessagePattern(RpcPatterns.AlertStats)
  stats(@Payload() query: AlertStatsQuery, @Ctx() ctx: BusContext): Promise<AlertStats> {
    return this.service.stats(ctx.getTenantId(), query.window);
  }
}
