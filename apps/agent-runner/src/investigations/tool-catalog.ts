import type { McpTool } from '../mcp/index.js';

/** A tool the model may call, and where it lives. */
export interface CatalogTool {
  /** The name the model sees: `<server>__<tool>`, reduced to what OpenAI-style APIs accept. */
  name: string;
  server: string;
  tool: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

const MAX_NAME = 64;

/**
 * The tools of one investigation: every tool of every server that answered, named so that two servers'
 * tools of the same name stay apart and every name is a valid function name (`^[A-Za-z0-9_-]{1,64}$`).
 */
export class ToolCatalog {
  private readonly byName = new Map<string, CatalogTool>();

  constructor(servers: readonly { server: string; tools: readonly McpTool[] }[]) {
    for (const { server, tools } of servers)
      for (const tool of tools) {
        const name = this.uniqueName(`${sanitize(server)}__${sanitize(tool.name)}`);
        this.byName.set(name, {
          name,
          server,
          tool: tool.name,
          description: tool.description ?? '',
          inputSchema: objectSchema(tool.inputSchema),
        });
      }
  }

  get tools(): CatalogTool[] {
    return [...this.byName.values()];
  }

  get size(): number {
    return this.byName.size;
  }

  find(name: string): CatalogTool | undefined {
    return this.byName.get(name);
  }

  /** The tools as chat-completions function definitions, for `bindTools`. */
  definitions(): { type: 'function'; function: { name: string; description: string; parameters: object } }[] {
    return this.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        description: `${tool.description || tool.tool} (MCP server ${tool.server}, tool ${tool.tool})`.slice(0, 1024),
        parameters: tool.inputSchema,
      },
    }));
  }

  private uniqueName(base: string): string {
    let name = base.slice(0, MAX_NAME);
    for (let n = 2; this.byName.has(name); n++) {
      const suffix = `_${n}`;
      name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
    }
    return name;
  }
}

function sanitize(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/** Function parameters must be a JSON-schema object; a server that sends none gets an empty one. */
function objectSchema(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!schema || typeof schema !== 'object') return { type: 'object', properties: {} };
  return schema.type === 'object' ? schema : { properties: {}, ...schema, type: 'object' };
}
