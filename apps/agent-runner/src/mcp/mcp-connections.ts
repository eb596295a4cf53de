import { Logger } from '@nestjs/common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { nowMicros, type McpCommunicationType } from '@vigil/contracts';
import { validateMcpServerSpecs, type McpServerSpec } from './mcp-server-spec.js';
import { describeError, toolResultText, type ToolContentPart } from './tool-result-text.js';

export const DEFAULT_MCP_TIMEOUT_MS = 20_000;
const STDERR_TAIL_CHARS = 2_000;

/** A tool as a server lists it: what the model is told it can call. */
export interface McpTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** `meta`: the request's `_meta`; `signal`: the caller's limit (the call is cancelled when it fires). */
export interface CallOptions {
  meta?: Record<string, unknown>;
  signal?: AbortSignal;
}

export type McpFailure = { ok: false; error: string; durationMs: number };
export type McpToolListResult = { ok: true; tools: McpTool[]; durationMs: number } | McpFailure;
/** A failed call may still carry the tool's own text (a tool that reported an error). */
export type McpToolCallResult = { ok: true; text: string; durationMs: number } | (McpFailure & { text?: string });

/** One exchange with a server, as the capture of agent.mcp.interaction events needs it. */
export interface McpExchange {
  server: string;
  kind: McpCommunicationType;
  tool?: string;
  arguments?: Record<string, unknown>;
  /** The tool's answer as text (tool_call). */
  result?: string;
  /** The listed tools (tool_list, when it succeeded). */
  tools?: McpTool[];
  ok: boolean;
  error?: string;
  /** When the exchange began, in microseconds since the epoch. */
  startedAtUs: bigint;
  durationMs: number;
}

export type McpExchangeListener = (exchange: McpExchange) => void;

export interface McpConnectionsOptions {
  /** Per-exchange limit for servers that set no `timeoutMs`. */
  defaultTimeoutMs?: number;
  /** Told of every exchange, after it ends; what it throws is logged, never passed to the caller. */
  listener?: McpExchangeListener;
  /** How the runner introduces itself to servers. */
  clientInfo?: { name: string; version: string };
}

interface Connection {
  client: Client;
  transport: StdioClientTransport | StreamableHTTPClientTransport;
  ready: Promise<void>;
  /** The handshake is done. */
  connected: boolean;
  closed: boolean;
  stderrTail: string;
}

class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
  }
}

/** The caller gave up on the exchange (its investigation ran out of time, or the runner is stopping). */
class Cancelled extends Error {
  constructor(reason: unknown) {
    super(`cancelled: ${reason instanceof Error ? reason.message : String(reason ?? 'no reason given')}`);
  }
}

/**
 * The MCP clients of the agent runner, one per configured server, connected on first use. A stdio
 * server is started once and shared by every investigation; when its process dies it is started again
 * on the next use. Every exchange has a time limit and ends in a result value: a server that is down,
 * hangs or crashes fails its own exchanges only.
 */
export class McpConnections {
  private readonly logger = new Logger(McpConnections.name);
  private readonly specs = new Map<string, McpServerSpec>();
  private readonly connections = new Map<string, Connection>();
  private readonly defaultTimeoutMs: number;
  private closing = false;

  constructor(
    specs: readonly McpServerSpec[],
    private readonly options: McpConnectionsOptions = {},
  ) {
    validateMcpServerSpecs(specs);
    for (const spec of specs) this.specs.set(spec.name, spec);
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_MCP_TIMEOUT_MS;
  }

  /** The configured server names, in configuration order. */
  get servers(): string[] {
    return [...this.specs.keys()];
  }

  /** The process id of a running stdio server; undefined when it is not running (or not stdio). */
  pid(server: string): number | undefined {
    const connection = this.connections.get(server);
    if (!connection || !(connection.transport instanceof StdioClientTransport)) return undefined;
    return connection.transport.pid ?? undefined;
  }

  async listTools(server: string): Promise<McpToolListResult> {
    const startedAtUs = nowMicros();
    const outcome = await this.exchange(server, undefined, async (client, request) => {
      const tools: McpTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : undefined, request);
        for (const tool of page.tools)
          tools.push({
            name: tool.name,
            ...(tool.description !== undefined && { description: tool.description }),
            inputSchema: tool.inputSchema,
          });
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    });
    const result: McpToolListResult = outcome.ok
      ? { ok: true, tools: outcome.value, durationMs: outcome.durationMs }
      : { ok: false, error: outcome.error, durationMs: outcome.durationMs };
    this.report({
      server,
      kind: 'tool_list',
      ok: result.ok,
      ...(result.ok ? { tools: result.tools } : { error: result.error }),
      startedAtUs,
      durationMs: result.durationMs,
    });
    return result;
  }

  /** `meta` goes in the request's `_meta` (what the caller tells the server beside the arguments). */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    { meta, signal }: CallOptions = {},
  ): Promise<McpToolCallResult> {
    const startedAtUs = nowMicros();
    const outcome = await this.exchange(server, signal, async (client, request) => {
      const answer = await client.callTool(
        { name: tool, arguments: args, ...(meta && { _meta: meta }) },
        undefined,
        request,
      );
      const text = toolResultText(answer.content as ToolContentPart[] | undefined, answer.structuredContent);
      return { text, isError: answer.isError === true };
    });
    let result: McpToolCallResult;
    if (!outcome.ok) result = { ok: false, error: outcome.error, durationMs: outcome.durationMs };
    else if (outcome.value.isError)
      result = {
        ok: false,
        error: outcome.value.text || 'the tool reported an error',
        text: outcome.value.text,
        durationMs: outcome.durationMs,
      };
    else result = { ok: true, text: outcome.value.text, durationMs: outcome.durationMs };
    this.report({
      server,
      kind: 'tool_call',
      tool,
      arguments: args,
      ...(result.text !== undefined && { result: result.text }),
      ok: result.ok,
      ...(!result.ok && { error: result.error }),
      startedAtUs,
      durationMs: result.durationMs,
    });
    return result;
  }

  /** Closes every client; stdio server processes are stopped. Later exchanges fail. */
  async close(): Promise<void> {
    this.closing = true;
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(open.map((connection) => this.shut(connection)));
  }

  private async exchange<T>(
    server: string,
    signal: AbortSignal | undefined,
    run: (client: Client, request: { signal: AbortSignal; timeout: number }) => Promise<T>,
  ): Promise<{ ok: true; value: T; durationMs: number } | McpFailure> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
    const spec = this.specs.get(server);
    if (!spec) return { ok: false, error: `unknown MCP server ${server}`, durationMs: elapsed() };
    if (this.closing) return { ok: false, error: 'the MCP connections are closed', durationMs: elapsed() };
    if (signal?.aborted) return { ok: false, error: new Cancelled(signal.reason).message, durationMs: elapsed() };
    const timeoutMs = spec.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let onCancel: (() => void) | undefined;
    // One limit for connecting and answering together, and the caller's signal: either aborts the
    // request, which also cancels it on the server.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const exceeded = new DeadlineExceeded(timeoutMs);
        controller.abort(exceeded);
        reject(exceeded);
      }, timeoutMs);
      onCancel = () => {
        const cancelled = new Cancelled(signal!.reason);
        controller.abort(cancelled);
        reject(cancelled);
      };
      signal?.addEventListener('abort', onCancel, { once: true });
    });
    let connection: Connection | undefined;
    try {
      connection = this.connect(spec);
      const ready = connection;
      const value = await Promise.race([
        ready.ready.then(() => run(ready.client, { signal: controller.signal, timeout: timeoutMs })),
        deadline,
      ]);
      return { ok: true, value, durationMs: elapsed() };
    } catch (error) {
      return { ok: false, error: this.failure(spec, connection, error, timeoutMs), durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
      if (onCancel) signal?.removeEventListener('abort', onCancel);
    }
  }

  private failure(spec: McpServerSpec, connection: Connection | undefined, error: unknown, timeoutMs: number): string {
    // The request was cancelled on the server too; the connection stays usable.
    if (error instanceof Cancelled) return error.message;
    if (error instanceof DeadlineExceeded || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
      // A handshake that outlasts the limit is a failed connection: the next use starts afresh, not on it.
      if (connection && !connection.connected) this.drop(spec.name, connection);
      return `timeout after ${timeoutMs} ms`;
    }
    const lost = !(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed;
    // A lost connection is opened afresh on the next use; an error the server answered leaves it usable.
    if (lost && connection) this.drop(spec.name, connection);
    const message = describeError(error);
    const stderr = connection?.stderrTail.trim().split('\n').pop();
    return spec.transport === 'stdio' && lost && stderr ? `${message} (stderr: ${stderr})` : message;
  }

  private connect(spec: McpServerSpec): Connection {
    const existing = this.connections.get(spec.name);
    if (existing && !existing.closed) return existing;
    const transport =
      spec.transport === 'stdio'
        ? new StdioClientTransport({
            command: spec.command,
            ...(spec.args && { args: spec.args }),
            ...(spec.env && { env: spec.env }),
            ...(spec.cwd && { cwd: spec.cwd }),
            stderr: 'pipe',
          })
        : new StreamableHTTPClientTransport(new URL(spec.url), {
            ...(spec.headers && { requestInit: { headers: spec.headers } }),
            ...(spec.fetch && { fetch: spec.fetch }),
          });
    const client = new Client(this.options.clientInfo ?? { name: 'vigil-agent-runner', version: '1.0.0' });
    const connection: Connection = {
      client,
      transport,
      ready: Promise.resolve(),
      connected: false,
      closed: false,
      stderrTail: '',
    };
    // Kept for error messages; reading it also keeps a chatty server from blocking on a full pipe.
    if (transport instanceof StdioClientTransport)
      transport.stderr?.on('data', (chunk: Buffer) => {
        connection.stderrTail = (connection.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
      });
    // A stdio server whose process exits ends up here: the next use starts it again.
    client.onclose = () => this.drop(spec.name, connection);
    // Transport errors also fail the request in flight, which reports them.
    client.onerror = () => undefined;
    connection.ready = client.connect(transport, { timeout: spec.timeoutMs ?? this.defaultTimeoutMs }).then(
      () => {
        connection.connected = true;
      },
      (error: unknown) => {
        this.drop(spec.name, connection);
        throw error;
      },
    );
    // Callers that give up before the handshake ends must not leave its rejection unhandled.
    connection.ready.catch(() => undefined);
    this.connections.set(spec.name, connection);
    return connection;
  }

  private drop(server: string, connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    if (this.connections.get(server) === connection) this.connections.delete(server);
    void this.shut(connection);
  }

  private async shut(connection: Connection): Promise<void> {
    connection.closed = true;
    await connection.client.close().catch((error) => {
      this.logger.warn(`closing an MCP client failed: ${describeError(error)}`);
    });
  }

  private report(exchange: McpExchange): void {
    if (!this.options.listener) return;
    try {
      this.options.listener(exchange);
    } catch (error) {
      this.logger.warn(`the MCP exchange listener failed: ${describeError(error)}`);
    }
  }
}
