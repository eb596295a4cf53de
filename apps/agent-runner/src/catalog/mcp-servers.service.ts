import { ConflictException, Inject, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import {
  isoMicros,
  nowMicros,
  type Actor,
  type CreateMcpServerRequest,
  type McpServerView,
  type Page,
  type UpdateMcpServerRequest,
} from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { AddressRefusedError, guardedFetch, ResolveError, resolvePublic } from '@vigil/netguard';
import { Transactions, isUniqueViolation } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { v7 as uuidv7 } from 'uuid';
import { AGENT_RUNNER_CONFIG, type AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry } from '../agents/index.js';
import { ALLOWED_CIDRS } from '../core/agent-core.module.js';
import type { TenantMcpSpecs } from '../investigations/investigations.service.js';
import type { HttpServerSpec } from '../mcp/index.js';
import type { Cidr } from '../safety/index.js';
import { headersProblem, urlProblem, type FieldProblem } from './mcp-server-input.js';
import { McpServerStore, type StoredMcpServer } from './mcp-server.store.js';
import { SecretBox } from '@vigil/auth';

export const SECRET_BOX = Symbol('SECRET_BOX');
/** MCP servers one tenant may add. */
export const MAX_SERVERS_PER_TENANT = 50;
/** Longest wait for the resolver when a tenant server is about to be used. */
const RESOLVE_TIMEOUT_MS = 3_000;

/** A tenant server ready for a client, or why it may not be used now. */
export type TenantServer =
  { name: string; usable: true; spec: HttpServerSpec } | { name: string; usable: false; error: string };

function viewOf(server: StoredMcpServer): McpServerView {
  return {
    id: server.id,
    name: server.name,
    url: server.url,
    headerNames: server.headerNames,
    timeoutMs: server.timeoutMs,
    createdAt: isoMicros(server.createdAtUs),
    updatedAt: isoMicros(server.updatedAtUs),
  };
}

function invalid({ field, problem }: FieldProblem): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: problem, field });
}

function nameTaken(name: string): ConflictException {
  return new ConflictException({
    message: `name: the tenant already has an MCP server named "${name}"`,
    field: 'name',
  });
}

function notFound(id: string): NotFoundException {
  return new NotFoundException(`MCP server ${id} not found`);
}

/** What a sealed header set is bound to: its row, so it cannot be replayed onto another tenant's. */
function sealContext(tenantId: string, id: string): string {
  return `mcp_servers/${tenantId}/${id}`;
}

/**
 * The MCP servers a tenant's admins add (Streamable HTTP only; the bus contract has no stdio fields):
 * names unique in the tenant and never a configured server's, URLs http(s) and not a private address
 * unless TOOLS_ALLOWED_CIDRS allows it, headers sealed at rest and never shown. Investigations take
 * them through `specsFor`, which checks each host's addresses again right before use.
 */
@Injectable()
export class McpServersService implements TenantMcpSpecs {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: McpServerStore,
    private readonly registry: AgentRegistry,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(ALLOWED_CIDRS) private readonly allowedCidrs: Cidr[],
    @Inject(AGENT_RUNNER_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.fetch = guardedFetch(allowedCidrs);
  }

  /** What tenants' servers are reached with: every connection's addresses checked as it is made. */
  private readonly fetch: typeof fetch;

  async create(tenantId: string, request: CreateMcpServerRequest, actor: Actor | undefined): Promise<McpServerView> {
    if (Object.hasOwn(this.registry.config.mcpServers, request.name))
      throw new ConflictException({
        message: `name: "${request.name}" is the name of a configured MCP server; choose another`,
        field: 'name',
      });
    const problem = urlProblem(request.url, this.allowedCidrs) ?? headersProblem(request.headers ?? {});
    if (problem) throw invalid(problem);
    const id = uuidv7();
    const now = nowMicros();
    const server: StoredMcpServer = {
      id,
      tenantId,
      name: request.name,
      url: request.url,
      headerNames: Object.keys(request.headers ?? {}),
      sealedHeaders: this.box.seal(JSON.stringify(request.headers ?? {}), sealContext(tenantId, id)),
      timeoutMs: request.timeoutMs ?? null,
      createdAtUs: now,
      updatedAtUs: now,
      createdBy: actor?.id ?? null,
    };
    try {
      await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const existing = await this.store.list(sql, tenantId);
        if (existing.some((other) => other.name === request.name)) throw nameTaken(request.name);
        if (existing.length >= MAX_SERVERS_PER_TENANT)
          throw new ConflictException(`a tenant may add at most ${MAX_SERVERS_PER_TENANT} MCP servers`);
        await this.store.insert(sql, server);
      });
    } catch (error) {
      // Two requests for the same name at once: the unique index decides.
      if (isUniqueViolation(error)) throw nameTaken(request.name);
      throw error;
    }
    return viewOf(server);
  }

  async list(tenantId: string): Promise<Page<McpServerView>> {
    const servers = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    return { items: servers.map(viewOf), nextCursor: null };
  }

  async get(tenantId: string, id: string): Promise<McpServerView> {
    const server = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.get(sql, tenantId, id));
    if (!server) throw notFound(id);
    return viewOf(server);
  }

  /** PATCH: what is given changes; `headers` replaces them all (`{}` removes them); `timeoutMs: null` clears it. */
  async update(tenantId: string, request: UpdateMcpServerRequest): Promise<McpServerView> {
    const problem =
      (request.url !== undefined ? urlProblem(request.url, this.allowedCidrs) : null) ??
      (request.headers !== undefined ? headersProblem(request.headers) : null);
    if (problem) throw invalid(problem);
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const current = await this.store.get(sql, tenantId, request.id);
      if (!current) throw notFound(request.id);
      const next: StoredMcpServer = {
        ...current,
        ...(request.url !== undefined && { url: request.url }),
        ...(request.headers !== undefined && {
          headerNames: Object.keys(request.headers),
          sealedHeaders: this.box.seal(JSON.stringify(request.headers), sealContext(tenantId, current.id)),
        }),
        ...(request.timeoutMs !== undefined && { timeoutMs: request.timeoutMs }),
        updatedAtUs: nowMicros(),
      };
      if (!(await this.store.update(sql, tenantId, current.id, next))) throw notFound(request.id);
      return viewOf(next);
    });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const deleted = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.delete(sql, tenantId, id));
    if (!deleted) throw notFound(id);
  }

  /**
   * The tenant's servers as MCP clients take them: headers opened, and each host's addresses checked
   * now (a name may have been pointed at a private address since it was added). A server that may not
   * be used says why.
   */
  async servers(tenantId: string): Promise<TenantServer[]> {
    const stored = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    return Promise.all(stored.map((server) => this.prepare(server)));
  }

  /** For investigations: the usable servers; the others are logged and left out. */
  async specsFor(tenantId: string): Promise<HttpServerSpec[]> {
    const specs: HttpServerSpec[] = [];
    for (const server of await this.servers(tenantId)) {
      if (server.usable) specs.push(server.spec);
      else
        this.logger.warn({ tenantId, server: server.name, error: server.error }, "a tenant's MCP server is left out");
    }
    return specs;
  }

  private async prepare(server: StoredMcpServer): Promise<TenantServer> {
    // Refused at create; the agents file may have gained the name since. The configured server keeps it.
    if (Object.hasOwn(this.registry.config.mcpServers, server.name))
      return {
        name: server.name,
        usable: false,
        error:
          'a server of the agents file now has this name, so this one is not used; add it again under another name',
      };
    let headers: Record<string, string>;
    try {
      headers = JSON.parse(this.box.open(server.sealedHeaders, sealContext(server.tenantId, server.id))) as Record<
        string,
        string
      >;
    } catch (error) {
      return { name: server.name, usable: false, error: `its headers cannot be read: ${(error as Error).message}` };
    }
    try {
      await resolvePublic(new URL(server.url).hostname, this.allowedCidrs, {
        timeoutMs: Math.min(RESOLVE_TIMEOUT_MS, this.config.MCP_TIMEOUT_MS),
      });
    } catch (error) {
      if (error instanceof AddressRefusedError || error instanceof ResolveError)
        return { name: server.name, usable: false, error: error.message };
      throw error;
    }
    return {
      name: server.name,
      usable: true,
      spec: {
        name: server.name,
        transport: 'http',
        url: server.url,
        headers,
        ...(server.timeoutMs !== null && { timeoutMs: server.timeoutMs }),
        fetch: this.fetch,
      },
    };
  }
}
