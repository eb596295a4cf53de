import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import {
  RpcPatterns,
  type HistoryFilterOptions,
  type HistorySessionExport,
  type HistoryStats,
  type HistorySessionDetail,
  type HistorySessionPage,
  type HistorySessionSummary,
} from '@vigil/contracts';
import type { Response } from 'express';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { HistoryClient } from './history.client.js';
import {
  exportFormatOf,
  historySessionListQueryOf,
  historyStatsQueryOf,
  noQueryOf,
  pageRequestOf,
} from './history-queries.js';

/**
 * Investigation history of the caller's tenant, over the history service's RPCs: everyone reads.
 * Another tenant's session is the history service's 404, the same as a missing one.
 */
@Controller('api/v1/history')
export class HistoryController {
  constructor(private readonly history: HistoryClient) {}

  /** Filters AND-combine: status (repeatable or comma list), agent_type, alert_type, alert_id, from/to, q; sort, order, limit ≤ 200, cursor; with the total and the filters applied. */
  @Get('sessions')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<HistorySessionPage> {
    return this.history.asCaller(RpcPatterns.HistorySessionsList, principal, historySessionListQueryOf(query));
  }

  /** Pending and in-progress sessions, newest first (limit, cursor). */
  @Get('active-sessions')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  active(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<HistorySessionPage> {
    return this.history.asCaller(RpcPatterns.HistoryActiveSessions, principal, pageRequestOf(query));
  }

  /** The agent types, alert types and statuses the tenant's sessions have. */
  @Get('filter-options')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  filterOptions(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<HistoryFilterOptions> {
    return this.history.asCaller(RpcPatterns.HistoryFilterOptions, principal, noQueryOf(query));
  }

  /** One session with its timeline: LLM and MCP steps interleaved by sequence. */
  @Get('sessions/:sessionId')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('sessionId', UUID_PARAM) id: string,
  ): Promise<HistorySessionDetail> {
    return this.history.asCaller(RpcPatterns.HistorySessionGet, principal, { id });
  }

  /** Counts, errors, tokens by model, time in LLM calls vs. tools. */
  @Get('sessions/:sessionId/summary')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  summary(
    @CurrentPrincipal() principal: Principal,
    @Param('sessionId', UUID_PARAM) id: string,
  ): Promise<HistorySessionSummary> {
    return this.history.asCaller(RpcPatterns.HistorySessionSummary, principal, { id });
  }

  /** The session as a file: a Markdown investigation report (default) or the detail route's JSON. */
  @Get('sessions/:sessionId/export')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  async export(
    @CurrentPrincipal() principal: Principal,
    @Param('sessionId', UUID_PARAM) id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const format = exportFormatOf(query);
    const file = await this.history.asCaller<HistorySessionExport>(RpcPatterns.HistorySessionExport, principal, {
      id,
      format,
    });
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    return file.content;
  }

  /** Sessions started within `?window=` (default 7d): by status, mean and p95 duration, tokens by model, most-used tools, failure rate. */
  @Get('stats')
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  stats(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<HistoryStats> {
    return this.history.asCaller(RpcPatterns.HistoryStats, principal, historyStatsQueryOf(query));
  }
}
