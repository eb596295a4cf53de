import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type CreateTeamRequest,
  type Page,
  type PageRequest,
  type TeamView,
  type UpdateTeamRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { actingCaller } from '../common/caller.js';
import { TeamsService } from './teams.service.js';

@Controller()
export class TeamsHandlers {
  constructor(private readonly teams: TeamsService) {}

  @MessagePattern(RpcPatterns.UserTeamsCreate)
  create(@Payload() request: CreateTeamRequest, @Ctx() ctx: BusContext): Promise<TeamView> {
    return this.teams.create(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserTeamsList)
  list(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<TeamView>> {
    return this.teams.list(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserTeamsGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<TeamView> {
    return this.teams.get(actingCaller(ctx), request.id);
  }

  @MessagePattern(RpcPatterns.UserTeamsUpdate)
  update(@Payload() request: UpdateTeamRequest, @Ctx() ctx: BusContext): Promise<TeamView> {
    return this.teams.update(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserTeamsDelete)
  async delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<{ ok: true }> {
    await this.teams.delete(actingCaller(ctx), request.id);
    return { ok: true };
  }
}
