import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateTeamRequest, PageRequest, RpcPatterns, type Page, type TeamView } from '@vigil/contracts';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';
import { UpdateTeamBody } from '../http-dtos.js';
import { UUID_PARAM } from './ids.js';

/** Teams of the caller's tenant: everyone reads, managers and admins edit. */
@Controller('api/v1/teams')
export class TeamsController {
  constructor(private readonly userService: UserServiceClient) {}

  @Post()
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTeamRequest): Promise<TeamView> {
    return this.userService.asCaller(RpcPatterns.UserTeamsCreate, principal, body);
  }

  @Get()
  @Access({ roles: ANY_ROLE, scopes: ['admin'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageRequest): Promise<Page<TeamView>> {
    return this.userService.asCaller(RpcPatterns.UserTeamsList, principal, query);
  }

  @Get(':id')
  @Access({ roles: ANY_ROLE, scopes: ['admin'] })
  get(@CurrentPrincipal() principal: Principal, @Param('id', UUID_PARAM) id: string): Promise<TeamView> {
    return this.userService.asCaller(RpcPatterns.UserTeamsGet, principal, { id });
  }

  @Patch(':id')
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UUID_PARAM) id: string,
    @Body() body: UpdateTeamBody,
  ): Promise<TeamView> {
    return this.userService.asCaller(RpcPatterns.UserTeamsUpdate, principal, { ...body, id });
  }

  @Delete(':id')
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.userService.asCaller(RpcPatterns.UserTeamsDelete, principal, { id });
  }
}
