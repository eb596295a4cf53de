import type { RemoteErrorInfo } from './errors.js';

/** What travels back on the reply-to queue. */
export type RpcReply = { ok: true; data?: unknown } | { ok: false; error: RemoteErrorInfo };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function numericStatus(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 599 ? value : undefined;
}

/**
 * Turns whatever a handler threw (Error, HttpException, RpcException, or the plain object Nest's
 * exception filter produces) into a serialisable error with its message and, when it has one, its
 * status: getStatus(), `status` or `statusCode`.
 */
export function toRemoteError(error: unknown): RemoteErrorInfo {
  if (!isRecord(error)) return { message: typeof error === 'string' ? error : 'handler failed' };
  const info: RemoteErrorInfo = { message: 'handler failed' };
  // RpcException: its payload is what the thrower meant.
  const getError = error['getError'];
  if (typeof getError === 'function') {
    const inner: unknown = getError.call(error);
    if (typeof inner === 'string') info.message = inner;
    else if (isRecord(inner))
      return { ...toRemoteError(inner), name: (error as { constructor?: { name?: string } }).constructor?.name };
  }
  if (typeof error['message'] === 'string' && error['message']) info.message = error['message'];
  else if (Array.isArray(error['message'])) info.message = (error['message'] as unknown[]).join('; ');
  const getStatus = error['getStatus'];
  const status =
    typeof getStatus === 'function'
      ? numericStatus(getStatus.call(error))
      : (numericStatus(error['status']) ?? numericStatus(error['statusCode']));
  if (status !== undefined) info.status = status;
  const name = error instanceof Error ? error.name : typeof error['name'] === 'string' ? error['name'] : undefined;
  if (name && name !== 'Error') info.name = name;
  const getResponse = error['getResponse'];
  if (typeof getResponse === 'function') {
    const response: unknown = getResponse.call(error);
    if (isRecord(response)) info.details = response;
  } else if (error['details'] !== undefined) info.details = error['details'];
  return info;
}

export function encodeReply(reply: RpcReply): Buffer {
  try {
    return Buffer.from(JSON.stringify(reply));
  } catch (error) {
    return Buffer.from(
      JSON.stringify({
        ok: false,
        error: { message: `reply is not serialisable: ${(error as Error).message}`, status: 500 },
      } satisfies RpcReply),
    );
  }
}

export function decodeReply(body: Buffer): RpcReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: { message: 'malformed RPC reply (not JSON)', status: 502 } };
  }
  if (isRecord(parsed) && parsed['ok'] === true) return { ok: true, data: parsed['data'] };
  if (isRecord(parsed) && parsed['ok'] === false && isRecord(parsed['error'])) {
    const error = parsed['error'];
    return {
      ok: false,
      error: {
        ...(error as object),
        message: typeof error['message'] === 'string' ? error['message'] : 'remote error',
      } as RemoteErrorInfo,
    };
  }
  return { ok: false, error: { message: 'malformed RPC reply', status: 502 } };
}
