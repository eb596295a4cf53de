/** Where an MCP server is reached; the agents configuration maps each `mcpServers` entry onto one of these. */
export type McpServerSpec = StdioServerSpec | HttpServerSpec;

/** A server started as a child process and spoken to over its stdin/stdout; started once, reused, restarted when it dies. */
export interface StdioServerSpec {
  name: string;
  transport: 'stdio';
  command: string;
  args?: string[];
  /** Added to a small safe default environment (PATH, HOME, ...), not to the runner's whole environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Per-exchange limit; the connections' default otherwise. */
  timeoutMs?: number;
}

/** A server reached over Streamable HTTP. */
export interface HttpServerSpec {
  name: string;
  transport: 'http';
  url: string;
  /** Sent with every request (tokens). */
  headers?: Record<string, string>;
  /** Per-exchange limit; the connections' default otherwise. */
  timeoutMs?: number;
  /** How requests are sent; the global fetch otherwise (tenants' servers: one that refuses private addresses). */
  fetch?: typeof fetch;
}

/**
 * Checks what TypeScript cannot: names unique and non-empty, a command or an http(s) URL, positive timeouts.
 * Errors name the bad key as `mcpServers.<name>.<key>`.
 */
export function validateMcpServerSpecs(specs: readonly McpServerSpec[]): void {
  const seen = new Set<string>();
  specs.forEach((spec, index) => {
    const where = `mcpServers.${spec.name || `[${index}]`}`;
    if (typeof spec.name !== 'string' || spec.name.trim() === '') throw new Error(`${where}.name must not be empty`);
    if (seen.has(spec.name)) throw new Error(`${where}: the name is used twice`);
    seen.add(spec.name);
    if (spec.timeoutMs !== undefined && !(Number.isFinite(spec.timeoutMs) && spec.timeoutMs > 0))
      throw new Error(`${where}.timeoutMs must be a positive number of milliseconds`);
    if (spec.transport === 'stdio') {
      if (typeof spec.command !== 'string' || spec.command.trim() === '')
        throw new Error(`${where}.command must not be empty`);
    } else if (spec.transport === 'http') {
      let url: URL;
      try {
        url = new URL(spec.url);
      } catch {
        throw new Error(`${where}.url is not a URL: ${String(spec.url)}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`${where}.url must be http or https, not ${url.protocol}`);
    } else {
      throw new Error(`${where}.transport must be stdio or http`);
    }
  });
}
