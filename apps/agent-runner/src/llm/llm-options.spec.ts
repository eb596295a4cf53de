import { resolveLlmOptions } from './llm-options.js';

describe('resolveLlmOptions', () => {
  it('fills the defaults', () => {
    expect(resolveLlmOptions({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3' })).toEqual({
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'llama3',
      timeoutMs: 60_000,
      maxRetries: 3,
      backoffMs: 1000,
      maxBackoffMs: 30_000,
      maxRetryAfterMs: 60_000,
    });
  });

  it('names the variable of a bad option', () => {
    const base = { baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini' };
    expect(() => resolveLlmOptions({ ...base, baseUrl: 'ftp://x' })).toThrow(
      'OPENAI_BASE_URL: "ftp://x" is not an http(s) URL',
    );
    expect(() => resolveLlmOptions({ ...base, baseUrl: 'nope' })).toThrow('OPENAI_BASE_URL:');
    expect(() => resolveLlmOptions({ ...base, model: ' ' })).toThrow('LLM_MODEL: must not be empty');
    expect(() => resolveLlmOptions({ ...base, apiKey: '' })).toThrow('OPENAI_API_KEY: must not be empty when set');
    expect(() => resolveLlmOptions({ ...base, timeoutMs: 0 })).toThrow(
      'LLM_TIMEOUT_MS: must be an integer >= 1, got 0',
    );
    expect(() => resolveLlmOptions({ ...base, maxRetries: -1 })).toThrow('LLM_MAX_RETRIES: must be an integer >= 0');
    expect(() => resolveLlmOptions({ ...base, backoffMs: 1.5 })).toThrow('LLM_BACKOFF_MS:');
  });
});
