import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { RpcPatterns, type InvestigationAccepted } from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { RESPONDERS } from '../alerts/alerts.controller.js';
import { AgentRunnerClient } from './agent-runner.client.js';

/**
 * A new investigation of an alert on demand: whoever may handle the alert may ask (operators and up,
 * keys with alerts:write). Queued, so the answer is 202 with the session the investigation will
 * record; 404 for an alert not in the tenant, 409 while one is queued or running.
 */
@Controller('api/v1/alerts')
export class InvestigationsController {
  constructor(private readonly agentRunner: AgentRunnerClient) {}

  @Post(':alertId/investigations')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.ACCEPTED)
  start(
    @CurrentPrincipal() principal: Principal,
    @Param('alertId', UUID_PARAM) alertId: string,
  ): Promise<InvestigationAccepted> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerInvestigationsStart, principal, { alertId });
  }
}
