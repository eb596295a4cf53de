/** How the model client reaches an OpenAI-compatible endpoint, and how patient it is. */
export interface LlmOptions {
  /** `OPENAI_BASE_URL`, e.g. https://api.openai.com/v1 or a vLLM, Ollama or LiteLLM address. */
  baseUrl: string;
  /** `OPENAI_API_KEY`; local gateways often need none. */
  apiKey?: string;
  /** `LLM_MODEL`: the default model; an agent may name another per call. */
  model: string;
  /** Longest wait for one answer, in ms. Default 60 s. */
  timeoutMs?: number;
  /** Retries after a 429, a 5xx or a refused connection. Default 3. */
  maxRetries?: number;
  /** First backoff without Retry-After, in ms, doubled each retry (with jitter). Default 1000. */
  backoffMs?: number;
  /** Cap of one backoff without Retry-After, in ms. Default 30 s. */
  maxBackoffMs?: number;
  /** Longest Retry-After honoured, in ms; a provider asking for more fails the call at once. Default 60 s. */
  maxRetryAfterMs?: number;
}

export type ResolvedLlmOptions = Required<Omit<LlmOptions, 'apiKey'>> & { apiKey?: string };

// The variable each option comes from, so an error names what the operator sets.
const KEYS: Record<keyof LlmOptions, string> = {
  baseUrl: 'OPENAI_BASE_URL',
  apiKey: 'OPENAI_API_KEY',
  model: 'LLM_MODEL',
  timeoutMs: 'LLM_TIMEOUT_MS',
  maxRetries: 'LLM_MAX_RETRIES',
  backoffMs: 'LLM_BACKOFF_MS',
  maxBackoffMs: 'LLM_MAX_BACKOFF_MS',
  maxRetryAfterMs: 'LLM_MAX_RETRY_AFTER_MS',
};

/** Fills the defaults and checks every option; throws one line naming the bad key and why. */
export function resolveLlmOptions(options: LlmOptions): ResolvedLlmOptions {
  const resolved: ResolvedLlmOptions = {
    timeoutMs: 60_000,
    maxRetries: 3,
    backoffMs: 1000,
    maxBackoffMs: 30_000,
    maxRetryAfterMs: 60_000,
    ...stripUndefined(options),
  };
  let url: URL | undefined;
  try {
    url = new URL(resolved.baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`${KEYS.baseUrl}: "${resolved.baseUrl}" is not an http(s) URL`);
  if (typeof resolved.model !== 'string' || !resolved.model.trim()) throw new Error(`${KEYS.model}: must not be empty`);
  if (resolved.apiKey !== undefined && (typeof resolved.apiKey !== 'string' || !resolved.apiKey.trim()))
    throw new Error(`${KEYS.apiKey}: must not be empty when set`);
  const whole = (key: keyof LlmOptions, min: number) => {
    const value = resolved[key] as number;
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${KEYS[key]}: must be an integer >= ${min}, got ${value}`);
  };
  whole('timeoutMs', 1);
  whole('maxRetries', 0);
  whole('backoffMs', 0);
  whole('maxBackoffMs', 0);
  whole('maxRetryAfterMs', 0);
  return resolved;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
