import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Cidr } from '@vigil/netguard';
import { DNS_LOOKUP_DESCRIPTION, dnsLookupInput, lookupDns } from './tools/dns-lookup.js';
import { checkHttp, HTTP_CHECK_DESCRIPTION, httpCheckInput } from './tools/http-check.js';
import { findSimilarAlerts, SIMILAR_ALERTS_DESCRIPTION, similarAlertsInput } from './tools/similar-alerts.js';
import { checkTcp, TCP_CHECK_DESCRIPTION, tcpCheckInput } from './tools/tcp-check.js';

export interface VigilToolsOptions {
  /** Non-public addresses the network tools may reach (TOOLS_ALLOWED_CIDRS). */
  allowedCidrs: readonly Cidr[];
  /** Where similar_alerts asks (VIGIL_ALERTS_URL); unset outside the agent runner. */
  alertsUrl: string | undefined;
}

export const VIGIL_TOOLS_VERSION = '0.1.0';

/** The built-in MCP server: read-only checks an investigation may run, each call on its own. */
export function createVigilToolsServer({ allowedCidrs, alertsUrl }: VigilToolsOptions): McpServer {
  const server = new McpServer({ name: 'vigil-tools', version: VIGIL_TOOLS_VERSION });
  const network = { readOnlyHint: true, openWorldHint: true };

  server.registerTool(
    'http_check',
    { title: 'HTTP check', description: HTTP_CHECK_DESCRIPTION, inputSchema: httpCheckInput, annotations: network },
    (args) => checkHttp(args, allowedCidrs),
  );
  server.registerTool(
    'dns_lookup',
    { title: 'DNS lookup', description: DNS_LOOKUP_DESCRIPTION, inputSchema: dnsLookupInput, annotations: network },
    (args) => lookupDns(args),
  );
  server.registerTool(
    'tcp_check',
    { title: 'TCP check', description: TCP_CHECK_DESCRIPTION, inputSchema: tcpCheckInput, annotations: network },
    (args) => checkTcp(args, allowedCidrs),
  );
  server.registerTool(
    'similar_alerts',
    {
      title: 'Similar past alerts',
      description: SIMILAR_ALERTS_DESCRIPTION,
      inputSchema: similarAlertsInput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args, extra) => findSimilarAlerts(args, extra._meta, alertsUrl),
  );
  return server;
}
