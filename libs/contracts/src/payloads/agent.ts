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

export class AgentSessionStarted {
  @IsUUID()
  sessionId!: string;

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
export abstract class AgentInteraction {
  @IsUUID()
  sessionId!: string;

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

export class AgentSessionCompleted {
  @IsUUID()
  sessionId!: string;

  @IsUUID()
  alertId!: string;

  @IsString()
  finalAnalysis!: string;

  @Matches(ISO_MICROS)
  completedAt!: string;
}

export const FAILED_SESSION_STATUSES = ['failed', 'skipped'] as const;

export class AgentSessionFailed {
  @IsUUID()
  sessionId!: string;

  @IsUUID()
  alertId!: string;

  @IsIn(FAILED_SESSION_STATUSES)
  status!: (typeof FAILED_SESSION_STATUSES)[number];

  @IsString()
  @IsNotEmpty()
  error!: string;

  @Matches(ISO_MICROS)
  completedAt!: string;
}
