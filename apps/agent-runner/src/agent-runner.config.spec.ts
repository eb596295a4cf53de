import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommonConfig, ConfigError, envExampleProblems, loadConfig } from '@vigil/config';
import { AgentRunnerConfig, loadAgentRunnerConfig } from './agent-runner.config.js';

describe('AgentRunnerConfig', () => {
  const common = loadConfig(CommonConfig, {});

  it('is listed in .env.example with its defaults', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
    expect(envExampleProblems(AgentRunnerConfig, text)).toEqual([]);
  });

  it('runs without a model endpoint by default, and takes one from the environment', () => {
    expect(loadAgentRunnerConfig(common, {}).OPENAI_BASE_URL).toBeUndefined();
    const config = loadAgentRunnerConfig(common, {
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_MODEL: 'llama3.1',
      AGENT_MAX_CONCURRENCY: '8',
      HISTORY_ENABLED: 'false',
    });
    expect(config).toMatchObject({
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      LLM_MODEL: 'llama3.1',
      AGENT_MAX_CONCURRENCY: 8,
      HISTORY_ENABLED: false,
    });
  });

  it('names a bad variable', () => {
    expect(() => loadAgentRunnerConfig(common, { OPENAI_BASE_URL: 'ftp://models' })).toThrow(ConfigError);
    expect(() => loadAgentRunnerConfig(common, { OPENAI_BASE_URL: 'ftp://models' })).toThrow(/OPENAI_BASE_URL/);
    expect(() => loadAgentRunnerConfig(common, { AGENT_MAX_CONCURRENCY: '0' })).toThrow(/AGENT_MAX_CONCURRENCY/);
    expect(() => loadAgentRunnerConfig(common, { TOOLS_ALLOWED_CIDRS: '10.0.0.0/33' })).toThrow(/TOOLS_ALLOWED_CIDRS/);
  });
});
