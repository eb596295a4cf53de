import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Put, Query } from '@nestjs/common';
import {
  PageRequest,
  RpcPatterns,
  type AlertStats,
  type AlertView,
  type AlertWithTimeline,
  type Page,
  type RejectedPayloadView,
  type TimelineEntry,
} from '@vigil/contracts';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { AlertServiceClient } from '../bus/alert-service.client.js';
import { alertListQueryOf, alertStatsQueryOf } from './alert-queries.js';
import { NoteBody, TransitionBody } from './alert-dtos.js';

/** Who handles alerts: operators and up, and keys that may write alerts. */
export const RESPONDERS = ['admin', 'manager', 'operator'] as const;

/**
 * Alerts of the caller's tenant, over the alert service's RPCs: everyone reads, operators and up
 * acknowledge, resolve and annotate. An invalid transition is the alert service's 409 with the
 * current status; another tenant's alert is its 404.
 */
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertServiceClient) {}

  /** Filters AND-combine: status/severity (repeatable or comma list), alert_type, label=key=value (repeatable), from/to, q; sort, order, limit ≤ 200, cursor. */
  @Get()
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<Page<AlertView>> {
    return this.alerts.asCaller(RpcPatterns.AlertList, principal, alertListQueryOf(query));
  }

  /** Counts by status and severity, mean times to acknowledge/resolve, top types and sources over `?window=` (default 24h). */
  @Get('stats')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  stats(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<AlertStats> {
    return this.alerts.asCaller(RpcPatterns.AlertStats, principal, alertStatsQueryOf(query));
  }

  /** Payloads that passed authentication but could not be mapped, raw with the reason, newest first. */
  @Get('rejected')
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  rejected(@CurrentPrincipal() principal: Principal, @Query() query: PageRequest): Promise<Page<RejectedPayloadView>> {
    return this.alerts.asCaller(RpcPatterns.AlertRejectedList, principal, query);
  }

  /** One alert with its timeline. */
  @Get(':alertId')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  get(@CurrentPrincipal() principal: Principal, @Param('alertId', UUID_PARAM) id: string): Promise<AlertWithTimeline> {
    return this.alerts.asCaller(RpcPatterns.AlertGet, principal, { id });
  }

  @Put(':alertId/acknowledge')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('alertId', UUID_PARAM) id: string,
    @Body() body: TransitionBody,
  ): Promise<AlertView> {
    return this.alerts.asCaller(RpcPatterns.AlertAcknowledge, principal, {
      id,
      ...(body.note !== undefined ? { note: body.note } : {}),
    });
  }

  @Put(':alertId/resolve')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  resolve(
    @CurrentPrincipal() principal: Principal,
    @Param('alertId', UUID_PARAM) id: string,
    @Body() body: TransitionBody,
  ): Promise<AlertView> {
    return this.alerts.asCaller(RpcPatterns.AlertResolve, principal, {
      id,
      ...(body.note !== undefined ? { note: body.note } : {}),
    });
  }

  @Post(':alertId/notes')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.CREATED)
  addNote(
    @CurrentPrincipal() principal: Principal,
    @Param('alertId', UUID_PARAM) id: string,
    @Body() body: NoteBody,
  ): Promise<TimelineEntry> {
    return this.alerts.asCaller(RpcPatterns.AlertAddNote, principal, { id, text: body.text });
  }
}
