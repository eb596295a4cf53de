import { isIP } from 'node:net';
import { isPublicAddress, type Cidr } from '../safety/index.js';

/** Most headers a tenant's server may carry, and the longest value. */
export const MAX_HEADERS = 32;
export const MAX_HEADER_VALUE_CHARS = 8192;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers the HTTP client sets itself: a tenant may not override them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
]);

/** A field a tenant's MCP server input got wrong: `problem` starts with the field's name. */
export interface FieldProblem {
  field: 'url' | 'headers';
  problem: string;
}

/**
 * A tenant server's URL: http(s), no credentials in it, and not a literal private, loopback or
 * link-local address unless `allowed` (TOOLS_ALLOWED_CIDRS) contains it. Names are checked when the
 * server is used, as they may resolve elsewhere later.
 */
export function urlProblem(text: string, allowed: readonly Cidr[]): FieldProblem | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { field: 'url', problem: 'url: must be an absolute http or https URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { field: 'url', problem: `url: must be http or https, not ${url.protocol.replace(/:$/, '')}` };
  if (url.username || url.password)
    return { field: 'url', problem: 'url: must not carry a user name or password (send them as a header)' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !isPublicAddress(host, allowed))
    return {
      field: 'url',
      problem: `url: ${host} is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it`,
    };
  if (host === 'localhost' || host.endsWith('.localhost'))
    return { field: 'url', problem: `url: ${host} is the local host, which tenants' servers may not be` };
  return null;
}

/** Headers: string values, valid names, none the client sets itself, none twice (case-insensitively). */
export function headersProblem(headers: Record<string, unknown>): FieldProblem | null {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS)
    return { field: 'headers', problem: `headers: at most ${MAX_HEADERS}, not ${entries.length}` };
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) return { field: 'headers', problem: `headers: "${name}" is not a header name` };
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower))
      return { field: 'headers', problem: `headers: ${name} is set by the MCP client and may not be given` };
    if (seen.has(lower)) return { field: 'headers', problem: `headers: ${name} is given twice` };
    seen.add(lower);
    if (typeof value !== 'string') return { field: 'headers', problem: `headers.${name}: must be a string` };
    if (value.length > MAX_HEADER_VALUE_CHARS)
      return { field: 'headers', problem: `headers.${name}: at most ${MAX_HEADER_VALUE_CHARS} characters` };
    if (/[\r\n\0]/.test(value))
      return { field: 'headers', problem: `headers.${name}: must not contain line breaks or NUL` };
  }
  return null;
}
