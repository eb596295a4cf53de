import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { CreateMcpServerRequest, RpcPatterns, type AgentList, type McpServerView, type Page } from '@vigil/contracts';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { AgentRunnerClient } from './agent-runner.client.js';
import { UpdateMcpServerBody } from './mcp-server-dtos.js';

/**
 * The agents that investigate alerts, with the tools each reaches (asked of the servers now):
 * everyone reads them. An unreachable server is listed as such, never a failed request.
 */
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agentRunner: AgentRunnerClient) {}

  @Get()
  @Access({ roles: ANY_ROLE, scopes: ['alerts:read'] })
  list(@CurrentPrincipal() principal: Principal): Promise<AgentList> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerAgentsList, principal, {});
  }
}

/**
 * The tenant's own MCP servers (Streamable HTTP; stdio is for the operators' agents file only):
 * admins add, read, change and remove them (keys: `admin`). Header values are write-only.
 */
@Controller('api/v1/agents/mcp-servers')
export class McpServersController {
  constructor(private readonly agentRunner: AgentRunnerClient) {}

  @Post()
  @Access({ roles: ['admin'], scopes: ['admin'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateMcpServerRequest): Promise<McpServerView> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerMcpServersCreate, principal, body);
  }

  @Get()
  @Access({ roles: ['admin'], scopes: ['admin'] })
  list(@CurrentPrincipal() principal: Principal): Promise<Page<McpServerView>> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerMcpServersList, principal, {});
  }

  @Get(':serverId')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  get(@CurrentPrincipal() principal: Principal, @Param('serverId', UUID_PARAM) id: string): Promise<McpServerView> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerMcpServersGet, principal, { id });
  }

  @Patch(':serverId')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('serverId', UUID_PARAM) id: string,
    @Body() body: UpdateMcpServerBody,
  ): Promise<McpServerView> {
    return this.agentRunner.asCaller(RpcPatterns.AgentRunnerMcpServersUpdate, principal, { ...body, id });
  }

  @Delete(':serverId')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('serverId', UUID_PARAM) id: string): Promise<void> {
    await this.agentRunner.asCaller(RpcPatterns.AgentRunnerMcpServersDelete, principal, { id });
  }
}
