import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** What started an investigation: a new alert, or someone asking (POST /api/v1/alerts/:id/investigations). */
export const INVESTIGATION_TRIGGERS = ['alert', 'manual'] as const;
export type InvestigationTrigger = (typeof INVESTIGATION_TRIGGERS)[number];

/**
 * Every agent.* event of a session carries its place in the session: `sequence` counts from 0
 * (agent.session.started) through each step to the closing event, so a consumer orders the timeline
 * by it whatever order the events arrive in.
 */
export abstract class AgentSessionEvent {
  @IsUUID()
  sessionId!: string;

  @IsInt()
  @Min(0)
  sequence!: number;
}

/** The one-line step description of a session's start and end ("Started with agent kubernetes"). */
abstract class AgentSessionMark extends AgentSessionEvent {
  /** Optional: events of runners older than this field have none. */
  @IsOptional()
  @IsString()
  @MaxLength(500)
  stepDescription?: string;
}

export class AgentSessionStarted extends AgentSessionMark {
  @IsUUID()
  alertId!: string;

  @IsString()
  @IsNotEmpty()
  alertType!: string;

  @IsString()
  @IsNotEmpty()
  agentType!: string;

  /** Every field of the alert the agent was given, kept for the history. */
  @IsObject()
  alertData!: Record<string, unknown>;

  @IsIn(INVESTIGATION_TRIGGERS)
  trigger!: InvestigationTrigger;

  /** The model the agent asks (its own, else LLM_MODEL); absent when no model is configured. */
  @IsOptional()
  @IsString()
  model?: string;

  @Matches(ISO_MICROS)
  startedAt!: string;
}

export class TokenUsage {
  @IsInt()
  @Min(0)
  prompt!: number;

  @IsInt()
  @Min(0)
  completion!: number;

  @IsInt()
  @Min(0)
  total!: number;
}

/** What every recorded step of an agent session says: which session, which step, how it went. */
export abstract class AgentInteraction extends AgentSessionEvent {
  @IsUUID()
  interactionId!: string;

  @IsNumber()
  @Min(0)
  durationMs!: number;

  @IsBoolean()
  success!: boolean;

  @IsOptional()
  @IsString()
  error?: string;

  @IsString()
  @MaxLength(500)
  stepDescription!: string;

  @Matches(ISO_MICROS)
  timestamp!: string;
}

/** One model call: what was sent, what came back, how long it took. */
export class AgentLlmInteraction extends AgentInteraction {
  @IsString()
  @IsNotEmpty()
  model!: string;

  @IsArray()
  @IsObject({ each: true })
  messages!: Record<string, unknown>[];

  @IsOptional()
  @IsString()
  response?: string;

  @IsOptional()
  @IsArray()
  @IsObject({ each: true })
  toolCalls?: Record<string, unknown>[];

  @IsOptional()
  @ValidateNested()
  @Type(() => TokenUsage)
  tokens?: TokenUsage;
}

export const MCP_COMMUNICATION_TYPES = ['tool_list', 'tool_call'] as const;
export type McpCommunicationType = (typeof MCP_COMMUNICATION_TYPES)[number];

/** One MCP exchange: a tool listing or a tool call. */
export class AgentMcpInteraction extends AgentInteraction {
  @IsString()
  @IsNotEmpty()
  serverName!: string;

  @IsIn(MCP_COMMUNICATION_TYPES)
  communicationType!: McpCommunicationType;

  @IsOptional()
  @IsString()
  toolName?: string;

  @IsOptional()
  @IsObject()
  arguments?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  result?: Record<string, unknown>;
}

/** What the closing event of a session repeats from its start, so it reads on its own. */
export abstract class AgentSessionEnded extends AgentSessionMark {
  @IsUUID()
  alertId!: string;

  @IsString()
  @IsNotEmpty()
  alertType!: string;

  @IsString()
  @IsNotEmpty()
  agentType!: string;

  /** Tokens the whole session spent, as the provider counted them. */
  @ValidateNested()
  @Type(() => TokenUsage)
  tokens!: TokenUsage;
}

export class AgentSessionCompleted extends AgentSessionEnded {
  @IsString()
  finalAnalysis!: string;

  /** True when the agent ran out of iterations and was made to conclude without tools. */
  @IsBoolean()
  forcedConclusion!: boolean;

  @Matches(ISO_MICROS)
  completedAt!: string;
}

export const FAILED_SESSION_STATUSES = ['failed', 'skipped'] as const;

export class AgentSessionFailed extends AgentSessionEnded {
  @IsIn(FAILED_SESSION_STATUSES)
  status!: (typeof FAILED_SESSION_STATUSES)[number];

  @IsString()
  @IsNotEmpty()
  error!: string;

  @Matches(ISO_MICROS)
  completedAt!: string;
}

/**
 * agent.investigation.requested: an investigation someone asked for, queued for the agent runners like
 * a new alert (its session id is already promised to the caller).
 */
export class InvestigationRequested {
  @IsUUID()
  sessionId!: string;

  @IsUUID()
  alertId!: string;

  /** The user or API key that asked. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestedBy?: string;

  /** `manual` (the default) when someone asked; `alert` when a new alert's investigation is queued again after a restart. */
  @IsOptional()
  @IsIn(INVESTIGATION_TRIGGERS)
  trigger?: InvestigationTrigger;
}
