import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type AgentList,
  type ById,
  type CreateMcpServerRequest,
  type McpServerView,
  type Page,
  type UpdateMcpServerRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { AgentsCatalog } from './agents-catalog.service.js';
import { McpServersService } from './mcp-servers.service.js';

/** The bus surface of the agents and the tenants' MCP servers (thin). The tenant is the envelope's, the author its actor. */
@Controller()
export class CatalogHandlers {
  constructor(
    private readonly agents: AgentsCatalog,
    private readonly servers: McpServersService,
  ) {}

  @MessagePattern(RpcPatterns.AgentRunnerAgentsList)
  list(@Ctx() ctx: BusContext): Promise<AgentList> {
    return this.agents.list(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.AgentRunnerMcpServersCreate)
  create(@Payload() request: CreateMcpServerRequest, @Ctx() ctx: BusContext): Promise<McpServerView> {
    const { tenantId, actor } = ctx.getEnvelope();
    return this.servers.create(tenantId, request, actor);
  }

  @MessagePattern(RpcPatterns.AgentRunnerMcpServersList)
  listServers(@Ctx() ctx: BusContext): Promise<Page<McpServerView>> {
    return this.servers.list(ctx.getTenantId());
  }

  @MessagePattern(RpcPatterns.AgentRunnerMcpServersGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<McpServerView> {
    return this.servers.get(ctx.getTenantId(), request.id);
  }

  @MessagePattern(RpcPatterns.AgentRunnerMcpServersUpdate)
  update(@Payload() request: UpdateMcpServerRequest, @Ctx() ctx: BusContext): Promise<McpServerView> {
    return this.servers.update(ctx.getTenantId(), request);
  }

  @MessagePattern(RpcPatterns.AgentRunnerMcpServersDelete)
  async delete(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<{ deleted: true }> {
    await this.servers.delete(ctx.getTenantId(), request.id);
    return { deleted: true };
  }
}
