import { SecretsKeyConfig } from '@vigil/auth';
import { CommonConfig, Env, IsIntegerIn, IsParsedBy, IsUrlWithScheme, loadServiceConfig } from '@vigil/config';
import { IsBoolean, IsOptional, IsString, MinLength } from 'class-validator';
import { parseAllowedCidrs } from './safety/index.js';

/**
 * The agent runner's variables: where the model is, the agents file, and how much one investigation
 * may take. With OPENAI_BASE_URL unset there is no model: every alert still gets a session, recorded
 * as skipped with the reason. SECRETS_KEY (the tenants' MCP server headers) is SecretsKeyConfig's.
 */
export class AgentRunnerConfig extends SecretsKeyConfig {
  @Env('agent runner: the agents file (YAML: MCP servers, agents, default agent); unset: apps/agent-runner/agents.yaml')
  @IsOptional()
  @IsString()
  @MinLength(1)
  AGENTS_CONFIG?: string;

  @Env(
    'agent runner: OpenAI-compatible API base URL (OpenAI, vLLM, Ollama, LiteLLM, a gateway), e.g. https://api.openai.com/v1; unset: investigations are recorded as skipped',
  )
  @IsOptional()
  @IsUrlWithScheme(['http', 'https'], { message: 'must be an http(s) URL' })
  OPENAI_BASE_URL?: string;

  @Env('agent runner: API key sent to OPENAI_BASE_URL (local gateways often need none)', { secret: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  OPENAI_API_KEY?: string;

  @Env('agent runner: the model agents use unless their own entry names one')
  @IsString()
  @MinLength(1)
  LLM_MODEL = 'gpt-4o-mini';

  @Env('agent runner: longest wait for one model answer, in milliseconds')
  @IsIntegerIn(1, undefined, 'milliseconds')
  LLM_TIMEOUT_MS = 60_000;

  @Env('agent runner: retries of a model call after a 429, a 5xx or a refused connection (Retry-After honoured)')
  @IsIntegerIn(0, 20)
  LLM_MAX_RETRIES = 3;

  @Env('agent runner: first wait before retrying a model call, doubled each retry (half of it random), in milliseconds')
  @IsIntegerIn(0, undefined, 'milliseconds')
  LLM_BACKOFF_MS = 1_000;

  @Env('agent runner: longest wait between retries of a model call without Retry-After, in milliseconds')
  @IsIntegerIn(0, undefined, 'milliseconds')
  LLM_MAX_BACKOFF_MS = 30_000;

  @Env(
    'agent runner: longest Retry-After a model call waits for; a provider asking for more fails the call, in milliseconds',
  )
  @IsIntegerIn(0, undefined, 'milliseconds')
  LLM_MAX_RETRY_AFTER_MS = 60_000;

  @Env('agent runner: investigations one replica runs at once; the rest wait in the queue for any replica')
  @IsIntegerIn(1, 256)
  AGENT_MAX_CONCURRENCY = 4;

  @Env('agent runner: tokens (as the provider counts them) one investigation may spend before it must conclude')
  @IsIntegerIn(1, undefined, 'tokens')
  AGENT_MAX_TOKENS = 200_000;

  @Env('agent runner: wall-clock limit of one investigation, in milliseconds')
  @IsIntegerIn(1000, undefined, 'milliseconds')
  AGENT_TIMEOUT_MS = 300_000;

  @Env('agent runner: longest tool result passed to the model, in characters (longer ones are cut with a marker)')
  @IsIntegerIn(100, undefined, 'characters')
  AGENT_TOOL_RESULT_MAX_CHARS = 16_000;

  @Env('agent runner: per-call limit of MCP servers that set no timeoutMs, in milliseconds')
  @IsIntegerIn(1, undefined, 'milliseconds')
  MCP_TIMEOUT_MS = 20_000;

  @Env('agent runner: time limit of a runbook fetch, in milliseconds')
  @IsIntegerIn(1, 60_000, 'milliseconds')
  RUNBOOK_TIMEOUT_MS = 5_000;

  @Env('agent runner: largest runbook fetched, in bytes')
  @IsIntegerIn(1024, 16 * 1024 * 1024, 'bytes')
  RUNBOOK_MAX_BYTES = 262_144;

  @Env(
    'agent runner and vigil-tools: comma-separated CIDRs of private addresses that runbook fetches and network tools may reach (default: public addresses only)',
  )
  @IsOptional()
  @IsParsedBy((text) => parseAllowedCidrs(text))
  TOOLS_ALLOWED_CIDRS?: string;

  @Env(
    'agent runner: true records every model and tool exchange as agent.llm.interaction / agent.mcp.interaction events for the history; false sends only session starts and ends',
  )
  @IsBoolean()
  HISTORY_ENABLED = true;
}

export function loadAgentRunnerConfig(
  common: CommonConfig,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<AgentRunnerConfig> {
  return loadServiceConfig(AgentRunnerConfig, common, env);
}

export const AGENT_RUNNER_CONFIG = Symbol('AGENT_RUNNER_CONFIG');
