import { createRequire } from 'node:module';
import path from 'node:path';

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
