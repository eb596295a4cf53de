import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { interpolate } from './interpolate.js';

/** `maxIterations` when an agent does not set it, and the bounds it must stay within. */
export const DEFAULT_MAX_ITERATIONS = 8;
export const MAX_ITERATIONS_LIMIT = 50;
/** The bound on an HTTP MCP server's per-call `timeoutMs` (ten minutes). */
export const MAX_TIMEOUT_MS = 600_000;
/** The variable naming the configuration file; unset, `defaultAgentsConfigPath()` is read. */
export const AGENTS_CONFIG_VARIABLE = 'AGENTS_CONFIG';

/** A server started as a child process and spoken to over its stdin/stdout. */
export interface StdioMcpServerConfig {
  readonly transport: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** A server reached over Streamable HTTP. */
export interface HttpMcpServerConfig {
  readonly transport: 'http';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Per-call timeout; unset, the MCP client's default applies. */
  readonly timeoutMs?: number;
}

export type McpServerConfig = StdioMcpServerConfig | HttpMcpServerConfig;

export interface AgentConfig {
  readonly name: string;
  /** Globs (`*`, `?`) over the alert type; the first agent with a matching one takes the alert. */
  readonly alertTypes: readonly string[];
  readonly systemPrompt: string;
  /** Names of entries of `mcpServers`. */
  readonly mcpServers: readonly string[];
  /** Unset: the service's default model. */
  readonly model?: string;
  readonly maxIterations: number;
}

/** The validated configuration file, `${VAR}` references replaced. */
export interface AgentsConfig {
  readonly mcpServers: Readonly<Record<string, McpServerConfig>>;
  readonly agents: readonly AgentConfig[];
  readonly defaultAgent: string;
}

/** Thrown when the file cannot be read or is invalid: the message lists every problem, each with its key path. */
export class AgentsConfigError extends Error {
  override readonly name = 'AgentsConfigError';

  constructor(
    /** The file, as given. */
    readonly source: string,
    /** One entry per problem, `<key path>: <what is wrong>`. */
    readonly problems: readonly string[],
  ) {
    super(`invalid agents configuration ${source}: ${problems.join('; ')}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const NAME_RULE = 'must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit';
// RFC 9110 token characters: anything else would make the HTTP client throw at the first call.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TOP_KEYS = ['mcpServers', 'agents', 'defaultAgent'];
const STDIO_KEYS = ['transport', 'command', 'args', 'env', 'cwd'];
const HTTP_KEYS = ['transport', 'url', 'headers', 'timeoutMs'];
const AGENT_KEYS = ['name', 'alertTypes', 'systemPrompt', 'mcpServers', 'model', 'maxIterations'];

type Mapping = Record<string, unknown>;

/** An optional key left out, or written with no value (`key:` in YAML is null). */
function absent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `a.b`, or `a["b.c"]` when the key would be ambiguous after a dot. */
function keyPath(parent: string, key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Collects problems; only the first one per key path is kept, so one mistake is reported once. */
class Problems {
  readonly list: string[] = [];
  private readonly paths = new Set<string>();

  add(at: string, message: string): void {
    if (this.isBad(at)) return;
    this.paths.add(at);
    this.list.push(`${at}: ${message}`);
  }

  /** Whether `at` or a key path containing it already has a problem. */
  isBad(at: string): boolean {
    for (const bad of this.paths) if (at === bad || at.startsWith(`${bad}.`) || at.startsWith(`${bad}[`)) return true;
    return false;
  }
}

/** Replaces `${VAR}` in every string value (never in keys); a bad reference is a problem at its key path. */
function interpolateTree(value: unknown, at: string, env: NodeJS.ProcessEnv, problems: Problems): unknown {
  if (typeof value === 'string') {
    const result = interpolate(value, env);
    if (result.ok) return result.value;
    for (const problem of result.problems) problems.add(at, problem);
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, `${at}[${i}]`, env, problems));
  if (isMapping(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateTree(item, keyPath(at, key), env, problems)]),
    );
  }
  return value;
}

function unknownKeys(value: Mapping, allowed: readonly string[], at: string, problems: Problems, what = ''): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      problems.add(keyPath(at, key), `unknown key${what} (expected one of ${allowed.join(', ')})`);
    }
  }
}

function nonEmptyString(value: unknown, at: string, problems: Problems): string | undefined {
  if (value === undefined || value === null) problems.add(at, 'is required');
  else if (typeof value !== 'string') problems.add(at, 'must be a string');
  else if (value.trim() === '') problems.add(at, 'must not be empty');
  else return value;
  return undefined;
}

function stringList(value: unknown, at: string, problems: Problems): string[] | undefined {
  if (value === undefined || value === null) {
    problems.add(at, 'is required (a list, possibly empty)');
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.add(at, 'must be a list of strings');
    return undefined;
  }
  const items: string[] = [];
  value.forEach((item, i) => {
    const text = nonEmptyString(item, `${at}[${i}]`, problems);
    if (text === undefined) return;
    const first = items.indexOf(text);
    if (first >= 0) problems.add(`${at}[${i}]`, `${JSON.stringify(text)} is listed twice (also ${at}[${first}])`);
    items.push(text);
  });
  return items;
}

function stringMap(value: unknown, at: string, problems: Problems, keyRule?: (key: string) => string | undefined) {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    problems.add(at, 'must be a mapping of names to strings');
    return {};
  }
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = keyRule?.(key);
    if (keyProblem) problems.add(keyPath(at, key), keyProblem);
    // Values may be tokens: the message never repeats them.
    else if (typeof item !== 'string') problems.add(keyPath(at, key), 'must be a string (quote numbers and booleans)');
    else result[key] = item;
  }
  return result;
}

function integerIn(value: unknown, min: number, max: number, at: string, problems: Problems): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  problems.add(at, `must be an integer from ${min} to ${max}`);
  return undefined;
}

function httpUrl(value: unknown, at: string, problems: Problems): string | undefined {
  const text = nonEmptyString(value, at, problems);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.add(at, 'must be an http(s) URL');
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.add(at, 'must be an http(s) URL');
  return text;
}

function mcpServer(value: unknown, at: string, problems: Problems): McpServerConfig | undefined {
  if (!isMapping(value)) {
    problems.add(at, 'must be a mapping with a transport (stdio or http)');
    return undefined;
  }
  const transport = value.transport;
  if (transport === 'stdio') {
    unknownKeys(value, STDIO_KEYS, at, problems, ' for transport stdio');
    const command = nonEmptyString(value.command, keyPath(at, 'command'), problems);
    const args = absent(value.args) ? [] : stringList(value.args, keyPath(at, 'args'), problems);
    const env = stringMap(value.env, keyPath(at, 'env'), problems, (key) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? undefined : 'is not a variable name (letters, digits and "_")',
    );
    const cwd = absent(value.cwd) ? undefined : nonEmptyString(value.cwd, keyPath(at, 'cwd'), problems);
    if (command === undefined || args === undefined) return undefined;
    return { transport, command, args, env, ...(cwd !== undefined && { cwd }) };
  }
  if (transport === 'http') {
    unknownKeys(value, HTTP_KEYS, at, problems, ' for transport http');
    const url = httpUrl(value.url, keyPath(at, 'url'), problems);
    const headers = stringMap(value.headers, keyPath(at, 'headers'), problems, (key) =>
      HEADER_NAME.test(key) ? undefined : 'is not a valid HTTP header name',
    );
    const timeoutMs = absent(value.timeoutMs)
      ? undefined
      : integerIn(value.timeoutMs, 1, MAX_TIMEOUT_MS, keyPath(at, 'timeoutMs'), problems);
    if (url === undefined) return undefined;
    return { transport, url, headers, ...(timeoutMs !== undefined && { timeoutMs }) };
  }
  problems.add(
    keyPath(at, 'transport'),
    transport === undefined ? 'is required (stdio or http)' : 'must be stdio or http',
  );
  return undefined;
}

function agent(
  value: unknown,
  at: string,
  servers: ReadonlySet<string> | undefined,
  problems: Problems,
): AgentConfig | undefined {
  if (!isMapping(value)) {
    problems.add(at, 'must be a mapping with name, alertTypes, systemPrompt and mcpServers');
    return undefined;
  }
  unknownKeys(value, AGENT_KEYS, at, problems);
  const name = nonEmptyString(value.name, keyPath(at, 'name'), problems);
  if (name !== undefined && !NAME.test(name)) problems.add(keyPath(at, 'name'), NAME_RULE);
  const alertTypes = stringList(value.alertTypes, keyPath(at, 'alertTypes'), problems);
  const systemPrompt = nonEmptyString(value.systemPrompt, keyPath(at, 'systemPrompt'), problems);
  const mcpServers = stringList(value.mcpServers, keyPath(at, 'mcpServers'), problems);
  mcpServers?.forEach((server, i) => {
    if (servers && !servers.has(server))
      problems.add(`${keyPath(at, 'mcpServers')}[${i}]`, `unknown MCP server "${server}"`);
  });
  const model = absent(value.model) ? undefined : nonEmptyString(value.model, keyPath(at, 'model'), problems);
  const maxIterations = absent(value.maxIterations)
    ? DEFAULT_MAX_ITERATIONS
    : integerIn(value.maxIterations, 1, MAX_ITERATIONS_LIMIT, keyPath(at, 'maxIterations'), problems);
  if (name === undefined || !alertTypes || systemPrompt === undefined || !mcpServers || maxIterations === undefined) {
    return undefined;
  }
  return { name, alertTypes, systemPrompt, mcpServers, ...(model !== undefined && { model }), maxIterations };
}

function validate(root: unknown, problems: Problems): AgentsConfig | undefined {
  if (!isMapping(root)) {
    problems.add('(file)', 'must be a mapping with mcpServers, agents and defaultAgent');
    return undefined;
  }
  unknownKeys(root, TOP_KEYS, '', problems);

  const mcpServers: Record<string, McpServerConfig> = {};
  // Undefined when mcpServers itself is broken: agents' server names are then not checked against it.
  let declared: Set<string> | undefined = new Set<string>();
  if (root.mcpServers !== undefined && root.mcpServers !== null && !isMapping(root.mcpServers)) {
    problems.add('mcpServers', 'must be a mapping of server names to servers');
    declared = undefined;
  } else {
    for (const [name, value] of Object.entries(root.mcpServers ?? {})) {
      const at = keyPath('mcpServers', name);
      // A declared name is known even when its entry is broken, so agents naming it are not reported too.
      declared.add(name);
      if (!NAME.test(name)) {
        problems.add(at, `server name ${NAME_RULE}`);
        continue;
      }
      const server = mcpServer(value, at, problems);
      if (server) mcpServers[name] = server;
    }
  }

  const agents: AgentConfig[] = [];
  if (!Array.isArray(root.agents) || root.agents.length === 0) {
    problems.add('agents', root.agents === undefined ? 'is required (a list of agents)' : 'must be a non-empty list');
  } else {
    const firstIndex = new Map<string, number>();
    root.agents.forEach((value, i) => {
      const at = `agents[${i}]`;
      const parsed = agent(value, at, declared, problems);
      const name = isMapping(value) && typeof value.name === 'string' ? value.name : undefined;
      if (name !== undefined && firstIndex.has(name)) {
        problems.add(`${at}.name`, `duplicate agent name "${name}" (also agents[${firstIndex.get(name)}])`);
      } else if (name !== undefined) firstIndex.set(name, i);
      if (parsed) agents.push(parsed);
    });
  }

  const defaultAgent = nonEmptyString(root.defaultAgent, 'defaultAgent', problems);
  // With no agents at all, that is the one problem reported.
  if (defaultAgent !== undefined && Array.isArray(root.agents) && root.agents.length > 0) {
    const names = root.agents.map((value: unknown) => (isMapping(value) ? value.name : undefined));
    if (!names.includes(defaultAgent)) problems.add('defaultAgent', `no agent named "${defaultAgent}"`);
  }
  if (problems.list.length > 0 || defaultAgent === undefined) return undefined;
  return { mcpServers, agents, defaultAgent };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and validates the YAML text of an agents configuration, replacing `${VAR}` in string values
 * from `env`. Throws an `AgentsConfigError` listing every problem found; `source` names the file in it.
 */
export function parseAgentsConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): AgentsConfig {
  // uniqueKeys (the default) makes a repeated key an error rather than a silent override.
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new AgentsConfigError(
      source,
      document.errors.map((error) => {
        const position = error.linePos?.[0];
        // The message's first line ends with the position; the excerpt of the file after it is left out.
        const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:$/, '');
        return `${position ? `line ${position.line}, column ${position.col}` : '(file)'}: ${message}`;
      }),
    );
  }
  const problems = new Problems();
  const root = interpolateTree(document.toJS({ maxAliasCount: 100 }), '', env, problems);
  const config = validate(root, problems);
  if (!config) throw new AgentsConfigError(source, problems.list);
  return deepFreeze(config);
}

/**
 * The file shipped with the service, `apps/agent-runner/agents.yaml` under the repository root (found
 * upward from this module, so it resolves the same from src/ under Jest and from dist/ under node).
 */
export function defaultAgentsConfigPath(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'vigil') return path.join(dir, 'apps', 'agent-runner', 'agents.yaml');
    } catch {
      // no root manifest here: keep walking up
    }
    if (path.dirname(dir) === dir) return path.resolve(start, '../../agents.yaml');
  }
}

/** The file to read: `AGENTS_CONFIG` (relative to the working directory) when set, else the shipped default. */
export function agentsConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[AGENTS_CONFIG_VARIABLE]?.trim();
  return configured ? path.resolve(configured) : defaultAgentsConfigPath();
}

/** Reads, parses and validates the agents configuration (see `agentsConfigPath` and `parseAgentsConfig`). */
export function loadAgentsConfig(env: NodeJS.ProcessEnv = process.env): AgentsConfig {
  const file = agentsConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    const via = env[AGENTS_CONFIG_VARIABLE]?.trim()
      ? AGENTS_CONFIG_VARIABLE
      : `${AGENTS_CONFIG_VARIABLE} (unset: the default)`;
    throw new AgentsConfigError(file, [`${via}: cannot read the file (${reason})`]);
  }
  return parseAgentsConfig(text, file, env);
}
