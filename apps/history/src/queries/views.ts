import {
  isoMicros,
  type HistorySessionStatus,
  type HistorySessionView,
  type LlmTimelineStep,
  type McpTimelineStep,
  type TimelineStep,
} from '@vigil/contracts';
import type { Row } from '@vigil/persistence';

/** A bigint column (pg: string, SQLite: number) as ISO-8601 with microseconds. */
const instant = (value: unknown): string | null =>
  value === null || value === undefined ? null : isoMicros(BigInt(value as string | number));
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const int = (value: unknown): number => Number(value ?? 0);
const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
/** SQLite returns booleans as 0/1. */
const bool = (value: unknown): boolean => value === true || value === 1 || value === '1';
/** Exact JSON text as stored; null when absent. */
const json = (value: unknown): unknown => (value === null || value === undefined ? null : JSON.parse(String(value)));

export function sessionViewOf(row: Row): HistorySessionView {
  return {
    sessionId: row['session_id'] as string,
    alertId: text(row['alert_id']),
    alertType: text(row['alert_type']),
    agentType: text(row['agent_type']),
    status: row['status'] as HistorySessionStatus,
    trigger: text(row['trigger_type']),
    model: text(row['model']),
    alertData: json(row['alert_data']),
    startedAt: instant(row['started_at_us']),
    completedAt: instant(row['completed_at_us']),
    durationMs: row['duration_ms'] === null || row['duration_ms'] === undefined ? null : Number(row['duration_ms']),
    error: text(row['error']),
    finalAnalysis: text(row['final_analysis']),
    forcedConclusion:
      row['forced_conclusion'] === null || row['forced_conclusion'] === undefined
        ? null
        : bool(row['forced_conclusion']),
    tokens: {
      prompt: int(row['prompt_tokens']),
      completion: int(row['completion_tokens']),
      total: int(row['total_tokens']),
    },
    counts: { llm: int(row['llm_count']), mcp: int(row['mcp_count']), errors: int(row['error_count']) },
  };
}

function stepBase(row: Row) {
  return {
    sequence: Number(row['sequence']),
    timestamp: instant(row['timestamp_us'])!,
    durationMs: Number(row['duration_ms']),
    stepDescription: String(row['step_description']),
    success: bool(row['success']),
    error: text(row['error']),
    interactionId: String(row['interaction_id']),
  };
}

export function llmStepOf(row: Row): LlmTimelineStep {
  return {
    kind: 'llm',
    ...stepBase(row),
    model: String(row['model']),
    messages: json(row['messages']),
    response: text(row['response']),
    toolCalls: json(row['tool_calls']),
    tokens: {
      prompt: intOrNull(row['prompt_tokens']),
      completion: intOrNull(row['completion_tokens']),
      total: intOrNull(row['total_tokens']),
    },
  };
}

export function mcpStepOf(row: Row): McpTimelineStep {
  return {
    kind: 'mcp',
    ...stepBase(row),
    serverName: String(row['server_name']),
    communicationType: row['communication_type'] as McpTimelineStep['communicationType'],
    toolName: text(row['tool_name']),
    arguments: json(row['arguments']),
    result: json(row['result']),
  };
}

/** LLM and MCP steps interleaved: by sequence, then timestamp, then LLM before MCP. */
export function timelineOf(llm: readonly Row[], mcp: readonly Row[]): TimelineStep[] {
  const steps: TimelineStep[] = [...llm.map(llmStepOf), ...mcp.map(mcpStepOf)];
  return steps.sort(
    (a, b) =>
      a.sequence - b.sequence ||
      (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0) ||
      (a.kind === b.kind ? 0 : a.kind === 'llm' ? -1 : 1),
  );
}
