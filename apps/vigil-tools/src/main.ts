import { loadConfigOrExit } from '@vigil/config';
import { parseAllowedCidrs } from '@vigil/netguard';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createVigilToolsServer } from './vigil-tools.server.js';
import { VigilToolsConfig } from './vigil-tools.config.js';

// stdout is the MCP channel: nothing else may be written to it. A bad variable is one line on stderr, exit 1.
const config = loadConfigOrExit(VigilToolsConfig);
const server = createVigilToolsServer({
  allowedCidrs: parseAllowedCidrs(config.TOOLS_ALLOWED_CIDRS),
  alertsUrl: config.VIGIL_ALERTS_URL,
});
await server.connect(new StdioServerTransport());
