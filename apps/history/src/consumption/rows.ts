import {
  parseIsoMicros,
  RoutingKeys,
  type AgentLlmInteraction,
  type AgentMcpInteraction,
  type AgentSessionCompleted,
  type AgentSessionFailed,
  type AgentSessionStarted,
  type Envelope,
} from '@vigil/contracts';
import type { Column } from '@vigil/persistence';

/** The five agent.* events a session is made of, as they come off the bus. */
export type AgentEvent =
  | { type: typeof RoutingKeys.AgentSessionStarted; payload: AgentSessionStarted }
  | { type: typeof RoutingKeys.AgentLlmInteraction; payload: AgentLlmInteraction }
  | { type: typeof RoutingKeys.AgentMcpInteraction; payload: AgentMcpInteraction }
  | { type: typeof RoutingKeys.AgentSessionCompleted; payload: AgentSessionCompleted }
  | { type: typeof RoutingKeys.AgentSessionFailed; payload: AgentSessionFailed };

export type AgentEnvelope = Envelope<AgentEvent['payload']>;

/** Sessions whose status no event changes any more. */
export const ENDED_STATUSES = ['completed', 'failed', 'skipped'] as const;

/** An ISO-8601 instant with microseconds (validated by the contract) as unix microseconds. */
export function microsOf(iso: string): number {
  const micros = parseIsoMicros(iso);
  if (micros === undefined) throw new RangeError(`not an ISO-8601 instant: ${iso}`);
  return Number(micros);
}

/** PostgreSQL text cannot hold NUL: plain text columns get U+FFFD instead (JSON text escapes it anyway). */
export function storable(text: string | undefined | null): string | null {
  return text == null ? null : text.replace(/\0/g, '\uFFFD');
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const col = (name: string, pg: string): Column => ({ name, pg });

export const LLM_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('session_id', 'uuid'),
  col('sequence', 'integer'),
  col('interaction_id', 'uuid'),
  col('timestamp_us', 'bigint'),
  col('duration_ms', 'float8'),
  col('model', 'varchar'),
  col('messages', 'text'),
  col('response', 'text'),
  col('tool_calls', 'text'),
  col('prompt_tokens', 'integer'),
  col('completion_tokens', 'integer'),
  col('total_tokens', 'integer'),
  col('success', 'boolean'),
  col('error', 'text'),
  col('step_description', 'varchar'),
];

export function llmRow(tenantId: string, e: AgentLlmInteraction): unknown[] {
  return [
    tenantId,
    e.sessionId,
    e.sequence,
    e.interactionId,
    microsOf(e.timestamp),
    e.durationMs,
    storable(e.model),
    json(e.messages),
    storable(e.response),
    json(e.toolCalls),
    e.tokens?.prompt ?? null,
    e.tokens?.completion ?? null,
    e.tokens?.total ?? null,
    e.success,
    storable(e.error),
    storable(e.stepDescription),
  ];
}

export const MCP_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('session_id', 'uuid'),
  col('sequence', 'integer'),
  col('interaction_id', 'uuid'),
  col('timestamp_us', 'bigint'),
  col('duration_ms', 'float8'),
  col('server_name', 'varchar'),
  col('communication_type', 'varchar'),
  col('tool_name', 'varchar'),
  col('arguments', 'text'),
  col('result', 'text'),
  col('success', 'boolean'),
  col('error', 'text'),
  col('step_description', 'varchar'),
];

export function mcpRow(tenantId: string, e: AgentMcpInteraction): unknown[] {
  return [
    tenantId,
    e.sessionId,
    e.sequence,
    e.interactionId,
    microsOf(e.timestamp),
    e.durationMs,
    storable(e.serverName),
    e.communicationType,
    storable(e.toolName),
    json(e.arguments),
    json(e.result),
    e.success,
    storable(e.error),
    storable(e.stepDescription),
  ];
}

/** A session's row before its start arrived: the key, `pending`, everything else unknown. */
export const PLACEHOLDER_COLUMNS: readonly Column[] = [
  col('tenant_id', 'varchar'),
  col('session_id', 'uuid'),
  col('status', 'varchar'),
  col('updated_at_us', 'bigint'),
];
