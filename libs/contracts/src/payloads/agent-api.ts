import {
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import type { AlertStatus, Severity } from './alert.js';

// ---- investigations ----------------------------------------------------------------------------

/** POST /api/v1/alerts/:id/investigations */
export class StartInvestigationRequest {
  @IsUUID()
  alertId!: string;
}

/** The answer to StartInvestigationRequest: the session the queued investigation will record. */
export interface InvestigationAccepted {
  sessionId: string;
  alertId: string;
  status: 'pending';
}

// ---- agents ------------------------------------------------------------------------------------

/** A tool as the agent sees it. */
export interface AgentToolView {
  name: string;
  description: string | null;
}

/** One MCP server an agent can reach, as it answered just now. */
export interface AgentMcpServerView {
  name: string;
  transport: 'stdio' | 'http';
  /** `config`: from the agents file; `tenant`: added by the tenant's admins. */
  scope: 'config' | 'tenant';
  reachable: boolean;
  error: string | null;
  tools: AgentToolView[];
}

export interface AgentView {
  name: string;
  /** Globs over the alert type; the first agent that matches takes the alert. */
  alertTypes: string[];
  /** True for the agent of alert types no agent matches. */
  isDefault: boolean;
  model: string;
  maxIterations: number;
  mcpServers: AgentMcpServerView[];
}

export interface AgentList {
  agents: AgentView[];
  /** False when no model endpoint is configured: alerts get a session recorded as skipped. */
  llmConfigured: boolean;
}

// ---- tenant MCP servers -------------------------------------------------------------------------

export const MCP_SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MCP_SERVER_NAME_RULE = 'name must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit';
export const MAX_MCP_SERVER_TIMEOUT_MS = 600_000;

export class CreateMcpServerRequest {
  @IsString()
  @Matches(MCP_SERVER_NAME, { message: MCP_SERVER_NAME_RULE })
  name!: string;

  /** The server's Streamable HTTP endpoint, http(s). */
  @IsString()
  @MaxLength(2048)
  url!: string;

  /** Sent with every request (tokens); stored encrypted, never returned. */
  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MCP_SERVER_TIMEOUT_MS)
  timeoutMs?: number;
}

/**
 * PATCH /api/v1/agents/mcp-servers/:serverId: what is given changes; `headers` replaces all headers
 * (`{}` removes them); `timeoutMs: null` goes back to the default.
 */
export class McpServerChanges {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_MCP_SERVER_TIMEOUT_MS)
  timeoutMs?: number | null;
}

/** agent-runner.mcp-servers.update: the changes, and which server. */
export class UpdateMcpServerRequest extends McpServerChanges {
  @IsUUID()
  id!: string;
}

/** A tenant's MCP server as the API shows it: header names only, never their values. */
export interface McpServerView {
  id: string;
  name: string;
  url: string;
  headerNames: string[];
  timeoutMs: number | null;
  createdAt: string;
  updatedAt: string;
}

// ---- similar alerts (the vigil-tools similar_alerts tool) ---------------------------------------

/**
 * The `_meta` key of a tools/call request that carries the investigation's token: the agent runner
 * sets it, `vigil-tools` sends it back as the bearer token of its similar-alerts lookup.
 */
export const ALERTS_TOKEN_META = 'vigil/alertsToken';

export class SimilarAlertsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  fingerprint?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  alertType?: string;

  /** The alert under investigation, left out of the answer. */
  @IsOptional()
  @IsUUID()
  excludeId?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

/** A past alert like the one under investigation: how it ended and what its analysis said. */
export interface SimilarAlertView {
  id: string;
  fingerprint: string;
  alertType: string;
  severity: Severity;
  status: AlertStatus;
  summary: string | null;
  /** Same fingerprint (the same alert firing again) or only the same type. */
  match: 'fingerprint' | 'alert_type';
  occurrences: number;
  startedAt: string;
  lastSeenAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** The note given when it was resolved, if any. */
  resolutionNote: string | null;
  /** The text of its last analysis, if any. */
  analysis: string | null;
}
