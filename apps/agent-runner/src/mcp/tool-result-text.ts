/** One content part of a tool result, as the MCP schema allows them. */
export type ToolContentPart =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: { uri: string; mimeType?: string; text?: string; blob?: string } }
  | { type: 'resource_link'; uri: string; name: string; mimeType?: string }
  | { type: string; [key: string]: unknown };

/**
 * A tool result as the text the model reads: text parts joined by new lines, other parts described
 * in brackets (the model cannot use raw base64), structured content as JSON when there is nothing else.
 */
export function toolResultText(content: readonly ToolContentPart[] | undefined, structuredContent?: unknown): string {
  const parts = (content ?? []).map(describePart);
  if (parts.length === 0 && structuredContent !== undefined) return JSON.stringify(structuredContent);
  return parts.join('\n');
}

function describePart(part: ToolContentPart): string {
  switch (part.type) {
    case 'text':
      return String(part.text);
    case 'image':
    case 'audio': {
      const { data, mimeType } = part as { data: string; mimeType: string };
      return `[${part.type} ${mimeType}, ${base64Bytes(data)} bytes]`;
    }
    case 'resource': {
      const { resource } = part as { resource: { uri: string; mimeType?: string; text?: string; blob?: string } };
      if (typeof resource.text === 'string') return resource.text;
      const size = typeof resource.blob === 'string' ? `, ${base64Bytes(resource.blob)} bytes` : '';
      return `[resource ${resource.uri}${resource.mimeType ? ` ${resource.mimeType}` : ''}${size}]`;
    }
    case 'resource_link':
      return `[resource link ${(part as { uri: string }).uri}]`;
    default:
      return `[${part.type} content]`;
  }
}

function base64Bytes(data: string): number {
  return Buffer.byteLength(data, 'base64');
}

/**
 * One line saying why an exchange failed, from the error and its causes: fetch hides the socket
 * error (ECONNREFUSED, ENOTFOUND) in `cause`, which is the part an operator needs.
 */
export function describeError(error: unknown): string {
  const codes: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'connection timed out',
    ENOENT: 'command not found',
    EACCES: 'permission denied',
  };
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && codes[code]) return `${codes[code]}${detail(current)}`;
    if (typeof message === 'string' && message !== '') messages.push(message);
    else if (typeof current === 'string') messages.push(current);
    current = cause;
  }
  return messages.join(': ') || 'unknown error';
}

function detail(error: unknown): string {
  const { address, port, path } = error as { address?: unknown; port?: unknown; path?: unknown };
  if (typeof address === 'string') return ` (${address}${typeof port === 'number' ? `:${port}` : ''})`;
  if (typeof path === 'string') return ` (${path})`;
  return '';
}
