import { isIP } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** What a check found, as one line of JSON for the model (null fields left out). */
export function answer(value: unknown): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, (_key, field) => (field === null ? undefined : field)) }],
  };
}

/** A call that could not be made: refused target, missing context. The message says why and what to do. */
export function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 30_000;

export const timeoutMsSchema = z
  .number()
  .int()
  .min(100)
  .max(MAX_TIMEOUT_MS)
  .optional()
  .describe(`How long to wait, in milliseconds (100 to ${MAX_TIMEOUT_MS}); default ${DEFAULT_TIMEOUT_MS}`);

/** Milliseconds since `start` (a performance.now() reading), to a tenth. */
export function msSince(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}

/** The same failure kinds for every network tool, from a Node error code. */
export function failureKindOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'connection_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection_reset';
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'].includes(code)) return 'unreachable';
  if (
    code === 'EPROTO' ||
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    /\b(?:SSL|TLS)\b/.test(String((error as Error).message))
  )
    return 'tls';
  return 'network';
}

const HOST_NAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** A DNS name (example.com, api.svc.cluster.local) or an IP address, IPv6 with or without brackets. */
export function isHostOrAddress(value: string): boolean {
  return HOST_NAME.test(value) || isIP(value.replace(/^\[|\]$/g, '')) !== 0;
}
