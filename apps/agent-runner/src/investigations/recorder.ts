import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { AIMessage, BaseMessage } from '@langchain/core/messages';
import type { ChatGeneration, LLMResult } from '@langchain/core/outputs';
import type { Serialized } from '@langchain/core/load/serializable';
import { isoMicros, nowMicros, RoutingKeys, type EventOf, type TokenUsage } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { v7 as uuidv7 } from 'uuid';
import type { McpExchange } from '../mcp/index.js';
import { tokenUsageOf } from '../llm/llm-client.js';
import { maskSecrets } from '../safety/index.js';

/** Writes a session's events (outbox) and its last sequence number, in one transaction. */
export interface SessionEventSink {
  write(tenantId: string, sessionId: string, events: EventOf[], lastSequence: number): Promise<void>;
}

export interface RecorderOptions {
  /** False (HISTORY_ENABLED=false): model and tool exchanges are not emitted; the session's start and end still are. */
  interactions: boolean;
  logger: Logger;
  /** Waits between failed writes; default 250 ms doubling to 5 s. */
  retryDelaysMs?: { first: number; max: number };
}

const MAX_STEP_DESCRIPTION = 500;

/**
 * The capture of one session: a LangChain callback handler sees every model call, the MCP wrapper
 * hands it every tool exchange, and each becomes an agent.* event numbered in the order it happened.
 * Recording only queues the event; a background writer puts queued events in the outbox (so a
 * broker outage delays them, never drops them), retrying while the database is unreachable. Nothing
 * here throws into the investigation: `drain()` at the end is the only wait.
 */
export class SessionRecorder {
  private sequence: number;
  private tokens: TokenUsage = { prompt: 0, completion: 0, total: 0 };
  private queue: { event: EventOf; sequence: number }[] = [];
  private writing: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly tenantId: string,
    readonly sessionId: string,
    private readonly sink: SessionEventSink,
    private readonly options: RecorderOptions,
    /** The sequence already used (0: agent.session.started). */
    startAfter = 0,
  ) {
    this.sequence = startAfter;
  }

  /** The tokens the session spent so far, as the provider counted them. */
  get totals(): TokenUsage {
    return { ...this.tokens };
  }

  /** The next sequence number (the closing event takes one too). */
  next(): number {
    return ++this.sequence;
  }

  /** A LangChain callback handler recording each model call of this session. */
  llmHandler(): BaseCallbackHandler {
    return new LlmCapture(this);
  }

  addTokens(usage: TokenUsage): void {
    this.tokens = {
      prompt: this.tokens.prompt + usage.prompt,
      completion: this.tokens.completion + usage.completion,
      total: this.tokens.total + usage.total,
    };
  }

  recordLlm(fields: {
    model: string;
    messages: Record<string, unknown>[];
    response?: string;
    toolCalls?: Record<string, unknown>[];
    tokens?: TokenUsage;
    startedAtUs: bigint;
    durationMs: number;
    error?: string;
    step: string;
  }): void {
    if (fields.tokens) this.addTokens(fields.tokens);
    if (!this.options.interactions) return;
    const sequence = this.next();
    this.enqueue(
      {
        type: RoutingKeys.AgentLlmInteraction,
        payload: {
          sessionId: this.sessionId,
          sequence,
          interactionId: uuidv7(),
          model: fields.model,
          messages: fields.messages,
          ...(fields.response !== undefined && { response: fields.response }),
          ...(fields.toolCalls?.length && { toolCalls: fields.toolCalls }),
          ...(fields.tokens && { tokens: fields.tokens }),
          durationMs: round(fields.durationMs),
          success: fields.error === undefined,
          ...(fields.error !== undefined && { error: fields.error }),
          stepDescription: fields.step.slice(0, MAX_STEP_DESCRIPTION),
          timestamp: isoMicros(fields.startedAtUs),
        },
      },
      sequence,
    );
  }

  /** One MCP exchange; `result` is what the model was given (already masked and cut). */
  recordMcp(exchange: McpExchange, step: string): void {
    if (!this.options.interactions) return;
    const sequence = this.next();
    const result =
      exchange.kind === 'tool_list'
        ? exchange.tools && { tools: exchange.tools.map((t) => ({ name: t.name, description: t.description ?? null })) }
        : exchange.result !== undefined
          ? { text: exchange.result }
          : undefined;
    this.enqueue(
      {
        type: RoutingKeys.AgentMcpInteraction,
        payload: {
          sessionId: this.sessionId,
          sequence,
          interactionId: uuidv7(),
          serverName: exchange.server,
          communicationType: exchange.kind,
          ...(exchange.tool !== undefined && { toolName: exchange.tool }),
          ...(exchange.arguments !== undefined && { arguments: exchange.arguments }),
          ...(result && { result }),
          durationMs: round(exchange.durationMs),
          success: exchange.ok,
          ...(exchange.error !== undefined && { error: exchange.error }),
          stepDescription: step.slice(0, MAX_STEP_DESCRIPTION),
          timestamp: isoMicros(exchange.startedAtUs),
        },
      },
      sequence,
    );
  }

  /** Waits until every recorded event is in the outbox. */
  async drain(): Promise<void> {
    while (this.writing || (this.queue.length && !this.stopped)) await (this.writing ?? this.startWriting());
  }

  /** Gives up writing (shutdown): what is still queued is dropped, and the session will be closed as cut off. */
  stop(): void {
    this.stopped = true;
  }

  private enqueue(event: EventOf, sequence: number): void {
    this.queue.push({ event, sequence });
    if (!this.writing) void this.startWriting();
  }

  private startWriting(): Promise<void> {
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      // Something was queued after the last batch was taken and before this ran.
      if (this.queue.length && !this.stopped) void this.startWriting();
    });
    return this.writing;
  }

  private async writeAll(): Promise<void> {
    const { first, max } = this.options.retryDelaysMs ?? { first: 250, max: 5_000 };
    let delay = first;
    while (this.queue.length && !this.stopped) {
      const batch = this.queue.slice();
      try {
        await this.sink.write(
          this.tenantId,
          this.sessionId,
          batch.map((item) => item.event),
          Math.max(...batch.map((item) => item.sequence)),
        );
        this.queue.splice(0, batch.length);
        delay = first;
      } catch (err) {
        this.options.logger.warn(
          { err, sessionId: this.sessionId, events: batch.length },
          `could not record the session's events; trying again in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(max, delay * 2);
      }
    }
  }
}

/** Records each chat-model call: the messages sent, the answer, its tool calls, tokens and time. */
class LlmCapture extends BaseCallbackHandler {
  override name = 'vigil-session-capture';
  // Run in line, so a call is recorded before the tool calls it asked for.
  override awaitHandlers = true;
  private readonly runs = new Map<
    string,
    { startedAtUs: bigint; started: number; messages: Record<string, unknown>[]; model: string; step: string }
  >();

  constructor(private readonly recorder: SessionRecorder) {
    super();
  }

  override handleChatModelStart(
    _llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    _parentRunId?: string,
    extraParams?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    const invocation = (extraParams?.invocation_params ?? {}) as { model?: string };
    this.runs.set(runId, {
      startedAtUs: nowMicros(),
      started: performance.now(),
      messages: (messages[0] ?? []).map(messageRecord),
      model: invocation.model ?? String(metadata?.ls_model_name ?? 'unknown'),
      step: String(metadata?.vigilStep ?? 'Asked the model'),
    });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.take(runId);
    if (!run) return;
    const generation = output.generations[0]?.[0] as ChatGeneration | undefined;
    const message = generation?.message as AIMessage | undefined;
    const usage = tokenUsageOf(message?.usage_metadata);
    const toolCalls = [
      ...(message?.tool_calls ?? []).map((call) => ({ id: call.id, name: call.name, arguments: call.args })),
      ...(message?.invalid_tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.name,
        arguments: call.args,
        error: call.error ?? 'arguments are not valid JSON',
      })),
    ];
    this.recorder.recordLlm({
      model: run.model,
      messages: run.messages,
      response: message ? textOf(message.content) : (generation?.text ?? ''),
      toolCalls,
      ...(usage && {
        tokens: { prompt: usage.inputTokens, completion: usage.outputTokens, total: usage.totalTokens },
      }),
      startedAtUs: run.startedAtUs,
      durationMs: performance.now() - run.started,
      step: run.step,
    });
  }

  override handleLLMError(err: Error, runId: string): void {
    const run = this.take(runId);
    if (!run) return;
    this.recorder.recordLlm({
      model: run.model,
      messages: run.messages,
      startedAtUs: run.startedAtUs,
      durationMs: performance.now() - run.started,
      error: maskSecrets(errorText(err)),
      step: run.step,
    });
  }

  private take(runId: string) {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    return run;
  }
}

const ROLES: Record<string, string> = { system: 'system', human: 'user', ai: 'assistant', tool: 'tool' };

/** A message as the history shows it: OpenAI-style role, text, and the tool calls or the call it answers. */
export function messageRecord(message: BaseMessage): Record<string, unknown> {
  const type = message.getType();
  const record: Record<string, unknown> = { role: ROLES[type] ?? type, content: textOf(message.content) };
  const ai = message as AIMessage;
  if (type === 'ai' && ai.tool_calls?.length)
    record.toolCalls = ai.tool_calls.map((call) => ({ id: call.id, name: call.name, arguments: call.args }));
  const toolCallId = (message as { tool_call_id?: string }).tool_call_id;
  if (type === 'tool' && toolCallId) record.toolCallId = toolCallId;
  return record;
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) =>
        typeof part === 'string' ? part : typeof part?.text === 'string' ? (part.text as string) : JSON.stringify(part),
      )
      .join('');
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
