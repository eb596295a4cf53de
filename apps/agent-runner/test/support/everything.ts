import { createRequire } from 'node:module';
import path from 'node:path';
import { writeAgentsFile } from './system.js';

const require = createRequire(import.meta.url);
const manifest = require.resolve('@modelcontextprotocol/server-everything/package.json');

/**
 * The entry point of `server-everything`, the standard MCP test server from npm (one we did not
 * write): `node <entry> stdio` serves it over stdio.
 */
export const EVERYTHING_ENTRY = path.join(
  path.dirname(manifest),
  (require(manifest) as { bin: Record<string, string> }).bin['mcp-server-everything']!,
);

/** The `mcpServers` section of an agents file with `everything` over stdio as its one server. */
export const EVERYTHING_SERVER: readonly string[] = [
  'mcpServers:',
  '  everything:',
  '    transport: stdio',
  `    command: ${JSON.stringify(process.execPath)}`,
  `    args: [${JSON.stringify(EVERYTHING_ENTRY)}, stdio]`,
];

/**
 * An agents file (written into `dir`) with one agent, `general`, for every alert type, whose only
 * MCP server is `everything` over stdio; returns its path.
 */
export function everythingAgentsFile(dir: string, name = 'agents-everything.yaml'): string {
  return writeAgentsFile(
    dir,
    [
      ...EVERYTHING_SERVER,
      'agents:',
      '  - name: general',
      '    alertTypes: []',
      '    systemPrompt: You investigate alerts.',
      '    mcpServers: [everything]',
      'defaultAgent: general',
    ],
    name,
  );
}
