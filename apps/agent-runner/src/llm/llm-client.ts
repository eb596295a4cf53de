import type { Callbacks } from '@langchain/core/callbacks/manager';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import type { AIMessage, BaseMessage, InvalidToolCall, ToolCall } from '@langchain/core/messages';
import { parseRetryAfterMs } from '@langchain/core/utils/async_caller';
import { ChatOpenAICompletions } from '@langchain/openai';
import { resolveLlmOptions, type LlmOptions, type ResolvedLlmOptions } from './llm-options.js';

/** Tokens as the provider counted them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface LlmCall {
  /** Tools the model may call; none: it must answer in text. */
  tools?: BindToolsInput[];
  /** Another model than `LLM_MODEL` (an agent's own). */
  model?: string;
  /** Ends the call and any backoff (the investigation's wall-clock limit, a shutdown). */
  signal?: AbortSignal;
  /** LangChain callback handlers, e.g. the one that records the exchange. */
  callbacks?: Callbacks;
  /** Passed to the callback handlers with each call (e.g. what the step is for). */
  metadata?: Record<string, unknown>;
}

export interface LlmAnswer {
  message: AIMessage;
  toolCalls: ToolCall[];
  /** Tool calls whose arguments were not valid JSON, to be answered to the model as errors. */
  invalidToolCalls: InvalidToolCall[];
  /** From the provider's answer; null when it sent none (never estimated). */
  usage: TokenUsage | null;
  model: string;
  /** 1 + the retries it took. */
  attempts: number;
}

export type LlmErrorKind = 'timeout' | 'rate_limited' | 'server_error' | 'connection' | 'rejected' | 'aborted';

/** A model call that failed for good: after its retries, or at once when retrying cannot help. */
export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly attempts: number,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
}

/** Waits `ms`, or rejects when `signal` aborts first. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The model client: LangChain's chat-completions model against any OpenAI-compatible endpoint, never
 * streaming (a streamed answer makes LangChain count tokens with tokenizer data it downloads, which
 * stalls without internet egress), with its own retries because LangChain's do not wait as long as
 * Retry-After asks.
 */
export class LlmClient {
  readonly options: ResolvedLlmOptions;
  private readonly models = new Map<string, ChatOpenAICompletions>();

  constructor(
    options: LlmOptions,
    private readonly timing: { sleep?: Sleep; random?: () => number } = {},
  ) {
    this.options = resolveLlmOptions(options);
  }

  get model(): string {
    return this.options.model;
  }

  async invoke(messages: BaseMessage[], call: LlmCall = {}): Promise<LlmAnswer> {
    const modelName = call.model ?? this.options.model;
    const model = this.chatModel(modelName);
    const runnable = call.tools?.length ? model.bindTools(call.tools) : model;
    const sleep = this.timing.sleep ?? realSleep;
    for (let attempt = 1; ; attempt++) {
      // The per-call timeout is a signal of our own: which signal fired tells a timeout from a
      // cancellation, whatever shape the error takes on its way up through the SDK and LangChain.
      const deadline = AbortSignal.timeout(this.options.timeoutMs);
      try {
        const message = (await runnable.invoke(messages, {
          signal: call.signal ? AbortSignal.any([call.signal, deadline]) : deadline,
          callbacks: call.callbacks,
          ...(call.metadata && { metadata: call.metadata }),
        })) as AIMessage;
        return {
          message,
          toolCalls: message.tool_calls ?? [],
          invalidToolCalls: message.invalid_tool_calls ?? [],
          usage: usageOf(message),
          model: modelName,
          attempts: attempt,
        };
      } catch (error) {
        const failure = this.classify(error, attempt, deadline, call.signal);
        if (!failure.retryable || attempt > this.options.maxRetries) throw failure.error;
        const waitMs = failure.retryAfterMs ?? this.backoff(attempt);
        try {
          await sleep(waitMs, call.signal);
        } catch {
          throw new LlmError('aborted', 'the call was cancelled while waiting to retry', attempt, undefined, {
            cause: error,
          });
        }
      }
    }
  }

  private chatModel(name: string): ChatOpenAICompletions {
    let model = this.models.get(name);
    if (!model) {
      // ChatOpenAICompletions is what ChatOpenAI uses for chat completions; used directly, a model name
      // never switches it to the Responses API, which OpenAI-compatible servers seldom offer.
      model = new ChatOpenAICompletions({
        model: name,
        // Some gateways take no key, but the OpenAI client requires one.
        apiKey: this.options.apiKey ?? 'unused',
        configuration: { baseURL: this.options.baseUrl },
        // The timeout is each call's signal (invoke()); retries are invoke()'s loop.
        maxRetries: 0,
        // Also stops a callback handler that prefers streaming from turning streaming on.
        streaming: false,
      });
      this.models.set(name, model);
    }
    return model;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 1));
    // Half fixed, half random: replicas that failed together do not retry together.
    return Math.round(ceiling / 2 + (ceiling / 2) * (this.timing.random ?? Math.random)());
  }

  private classify(
    error: unknown,
    attempts: number,
    deadline: AbortSignal,
    signal?: AbortSignal,
  ): { retryable: boolean; retryAfterMs?: number; error: LlmError } {
    const e = error as { name?: string; message?: string; status?: unknown; headers?: unknown };
    const message = e?.message ?? String(error);
    const fail = (kind: LlmErrorKind, retryable: boolean, text: string, status?: number, retryAfterMs?: number) => ({
      retryable,
      retryAfterMs,
      error: new LlmError(kind, text, attempts, status, { cause: error }),
    });
    if (signal?.aborted) return fail('aborted', false, 'the call was cancelled');
    // A hang is not retried: another would most likely hang as long, and the investigation has a clock.
    if (deadline.aborted)
      return fail('timeout', false, `no answer within ${this.options.timeoutMs} ms from ${this.options.baseUrl}`);
    const status = typeof e?.status === 'number' ? e.status : undefined;
    if (status === 429 || (status !== undefined && status >= 500)) {
      // Retry-After is honoured on a 503 (or any 5xx) as on a 429.
      const kind = status === 429 ? 'rate_limited' : 'server_error';
      const retryAfterMs = parseRetryAfterMs(headerOf(e.headers, 'retry-after'));
      if (retryAfterMs !== undefined && retryAfterMs > this.options.maxRetryAfterMs)
        return fail(
          kind,
          false,
          `${status === 429 ? 'rate limited' : `the provider failed (${status})`}; the provider asks to wait ${retryAfterMs} ms`,
          status,
        );
      return fail(
        kind,
        true,
        status === 429 ? `rate limited: ${message}` : `the provider failed: ${message}`,
        status,
        retryAfterMs,
      );
    }
    if (status !== undefined) return fail('rejected', false, `the provider refused the call: ${message}`, status);
    if ((error as object)?.constructor?.name === 'APIConnectionError' || /connection error/i.test(message))
      return fail('connection', true, `could not reach ${this.options.baseUrl}: ${message}`);
    return fail('rejected', false, message);
  }
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function usageOf(message: AIMessage): TokenUsage | null {
  return tokenUsageOf(message.usage_metadata);
}

const count = (n: unknown): number | undefined =>
  typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : undefined;

/**
 * The counts of LangChain's `usage_metadata` as the provider reported them, or null when it reported
 * none. Some OpenAI-compatible servers leave `usage` out, or parts of it: LangChain then fills the
 * fields with undefined or NaN, which would poison a budget's sum and an event's counts. A missing
 * part counts 0, a missing total is the sum of the parts.
 */
export function tokenUsageOf(usage: unknown): TokenUsage | null {
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as { input_tokens?: unknown; output_tokens?: unknown; total_tokens?: unknown };
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const total = count(u.total_tokens);
  if (input === undefined && output === undefined && total === undefined) return null;
  return { inputTokens: input ?? 0, outputTokens: output ?? 0, totalTokens: total ?? (input ?? 0) + (output ?? 0) };
}
