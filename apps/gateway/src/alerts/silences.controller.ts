import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateSilenceRequest, PageRequest, RpcPatterns, type Page, type SilenceView } from '@vigil/contracts';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { AlertServiceClient } from '../bus/alert-service.client.js';
import { UpdateSilenceBody } from './alert-dtos.js';
import { RESPONDERS } from './alerts.controller.js';

/**
 * Silences (label matchers and a time window): they mute notifications and investigations, never
 * storage. Everyone reads; whoever may acknowledge an alert may silence it (operators and up, keys
 * with alerts:write, e.g. a deploy pipeline muting its own alerts).
 */
@Controller('api/v1/silences')
export class SilencesController {
  constructor(private readonly alerts: AlertServiceClient) {}

  @Post()
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateSilenceRequest): Promise<SilenceView> {
    return this.alerts.asCaller(RpcPatterns.AlertSilencesCreate, principal, body);
  }

  @Get()
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageRequest): Promise<Page<SilenceView>> {
    return this.alerts.asCaller(RpcPatterns.AlertSilencesList, principal, query);
  }

  @Get(':silenceId')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  get(@CurrentPrincipal() principal: Principal, @Param('silenceId', UUID_PARAM) id: string): Promise<SilenceView> {
    return this.alerts.asCaller(RpcPatterns.AlertSilencesGet, principal, { id });
  }

  @Patch(':silenceId')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('silenceId', UUID_PARAM) id: string,
    @Body() body: UpdateSilenceBody,
  ): Promise<SilenceView> {
    return this.alerts.asCaller(RpcPatterns.AlertSilencesUpdate, principal, { ...body, id });
  }

  @Delete(':silenceId')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('silenceId', UUID_PARAM) id: string): Promise<void> {
    await this.alerts.asCaller(RpcPatterns.AlertSilencesDelete, principal, { id });
  }
}
