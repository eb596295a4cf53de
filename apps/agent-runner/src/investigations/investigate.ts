import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { nowMicros, type AlertView } from '@vigil/contracts';
import type { Agent } from '../agents/index.js';
import { LlmError, type Budget, type LlmClient } from '../llm/index.js';
import type { McpExchange, McpToolCallResult, McpToolListResult } from '../mcp/index.js';
import { maskSecrets, truncate, type RunbookResult } from '../safety/index.js';
import { CONCLUDE_NOW, investigationPrompt } from './prompt.js';
import type { SessionRecorder } from './recorder.js';
import { textOf } from './recorder.js';
import { ToolCatalog, type CatalogTool } from './tool-catalog.js';

/** The MCP servers of one investigation, by name (the agent's and the tenant's). */
export interface ToolHost {
  listTools(server: string): Promise<McpToolListResult>;
  /** `signal`: the investigation's limit; a call still running when it fires is cancelled. */
  callTool(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options?: { signal?: AbortSignal },
  ): Promise<McpToolCallResult>;
}

export interface InvestigationInput {
  agent: Agent;
  /** Every server the investigation may use, in order. */
  servers: readonly string[];
  alert: AlertView;
  runbook: RunbookResult | null;
  llm: LlmClient;
  tools: ToolHost;
  budget: Budget;
  recorder: SessionRecorder;
  /** Longest tool result given to the model, in characters. */
  toolResultMaxChars: number;
}

export type InvestigationOutcome =
  | { status: 'completed'; text: string; forcedConclusion: boolean; iterations: number }
  | { status: 'failed'; error: string; iterations: number };

/**
 * One investigation: list the tools, then model → tool calls (in parallel) → results → model, until the
 * model answers without tools or `maxIterations` calls are spent, then one forced answer without tools.
 * The model's bad tool calls (unknown tool, arguments that are not JSON) are answered to it as tool
 * errors; tool results are masked and cut before the model (or the history) sees them. A model call
 * that fails for good, or the wall-clock limit, fails the investigation.
 */
export async function investigate(input: InvestigationInput): Promise<InvestigationOutcome> {
  const { agent, llm, budget, recorder } = input;
  const catalog = await listTools(input);
  const messages: BaseMessage[] = [
    new SystemMessage(agent.systemPrompt),
    new HumanMessage(
      investigationPrompt(
        input.alert,
        input.runbook,
        catalog.tools.map((tool) => ({ name: tool.name, description: tool.description })),
      ),
    ),
  ];
  const definitions = catalog.definitions();
  const callbacks = [recorder.llmHandler()];
  let iterations = 0;
  try {
    let step = catalog.size ? 'Asked the model which tools to use' : 'Asked the model for its analysis (no tools)';
    while (iterations < agent.maxIterations) {
      const verdict = budget.check();
      if (!verdict.ok) {
        if (verdict.reason === 'time') return { status: 'failed', error: verdict.message, iterations };
        break;
      }
      iterations++;
      const answer = await llm.invoke(messages, {
        tools: definitions.length ? definitions : undefined,
        model: agent.model,
        signal: budget.signal,
        callbacks,
        metadata: { vigilStep: step },
      });
      budget.record(answer.usage);
      const calls = [
        ...answer.toolCalls.map((call) => ({ id: call.id ?? '', name: call.name, args: call.args, invalid: null })),
        ...answer.invalidToolCalls.map((call) => ({
          id: call.id ?? '',
          name: call.name ?? '',
          args: {} as Record<string, unknown>,
          invalid: `${call.error ?? 'the arguments are not valid JSON'}: ${String(call.args ?? '').slice(0, 500)}`,
        })),
      ].map((call, i) => ({ ...call, id: call.id || `call_${iterations}_${i}` }));
      if (calls.length === 0)
        return { status: 'completed', text: textOf(answer.message.content), forcedConclusion: false, iterations };

      // Every call the model made is answered, the malformed ones too, so the conversation stays well formed.
      messages.push(
        new AIMessage({
          content: answer.message.content,
          tool_calls: calls.map((call) => ({ id: call.id, name: call.name, args: call.args, type: 'tool_call' })),
        }),
      );
      const results = await Promise.all(calls.map((call) => runCall(input, catalog, call)));
      messages.push(...results);
      step = `Gave the model ${plural(results.length, 'tool result')} and asked for the next step`;
    }
    // Out of iterations (or of tokens): one last answer, without tools.
    messages.push(new HumanMessage(CONCLUDE_NOW));
    iterations++;
    const last = await llm.invoke(messages, {
      model: agent.model,
      signal: budget.signal,
      callbacks,
      metadata: { vigilStep: 'Asked the model to conclude without tools' },
    });
    budget.record(last.usage);
    return { status: 'completed', text: textOf(last.message.content), forcedConclusion: true, iterations };
  } catch (error) {
    if (budget.signal.aborted)
      return { status: 'failed', error: String((budget.signal.reason as Error)?.message ?? 'time is up'), iterations };
    if (error instanceof LlmError)
      return { status: 'failed', error: `the model call failed: ${error.message}`, iterations };
    throw error;
  }
}

async function listTools(input: InvestigationInput): Promise<ToolCatalog> {
  const listed = await Promise.all(
    input.servers.map(async (server) => {
      const startedAtUs = nowMicros();
      const result = await input.tools.listTools(server);
      const exchange: McpExchange = {
        server,
        kind: 'tool_list',
        ok: result.ok,
        ...(result.ok ? { tools: result.tools } : { error: maskSecrets(result.error) }),
        startedAtUs,
        durationMs: result.durationMs,
      };
      input.recorder.recordMcp(
        exchange,
        result.ok
          ? `Listed the tools of ${server} (${plural(result.tools.length, 'tool')})`
          : `Could not list the tools of ${server}`,
      );
      return result.ok ? { server, tools: result.tools } : null;
    }),
  );
  return new ToolCatalog(listed.filter((entry) => entry !== null));
}

async function runCall(
  input: InvestigationInput,
  catalog: ToolCatalog,
  call: { id: string; name: string; args: Record<string, unknown>; invalid: string | null },
): Promise<ToolMessage> {
  const reply = (content: string) => new ToolMessage({ content, tool_call_id: call.id, name: call.name || 'unknown' });
  if (call.invalid !== null)
    return reply(`error: the call was not run: ${call.invalid}. Call the tool again with a JSON object as arguments.`);
  const tool: CatalogTool | undefined = catalog.find(call.name);
  if (!tool)
    return reply(
      `error: there is no tool named "${call.name}"; the tools are: ${catalog.tools.map((t) => t.name).join(', ') || 'none'}`,
    );
  if (!call.args || typeof call.args !== 'object' || Array.isArray(call.args))
    return reply('error: the arguments must be a JSON object');
  const startedAtUs = nowMicros();
  const result = await input.tools.callTool(tool.server, tool.tool, call.args, { signal: input.budget.signal });
  // A tool that reported an error gives its text as the error too: the model reads it once.
  const raw = result.ok
    ? result.text
    : result.text && result.text !== result.error
      ? `${result.error}\n${result.text}`
      : result.error;
  const text = truncate(maskSecrets(raw), input.toolResultMaxChars);
  input.recorder.recordMcp(
    {
      server: tool.server,
      kind: 'tool_call',
      tool: tool.tool,
      arguments: call.args,
      result: text,
      ok: result.ok,
      ...(!result.ok && { error: truncate(maskSecrets(result.error), 2_000) }),
      startedAtUs,
      durationMs: result.durationMs,
    },
    `Called ${tool.server}.${tool.tool}`,
  );
  return reply(result.ok ? text : `error: ${text}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
