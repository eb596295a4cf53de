import { HttpException, HttpStatus } from '@nestjs/common';
import { BrokerClosedError, BrokerUnavailableError, RpcRemoteError, RpcTimeoutError } from '@vigil/messaging';
import type { Response } from 'express';

/** Seconds a client is told to wait when the bus itself is down. */
export const BROKER_RETRY_AFTER_SECONDS = 5;

/** An HTTP error that also tells the client when to come back (`Retry-After`). */
export class RetryableHttpException extends HttpException {
  constructor(
    status: number,
    message: string,
    readonly retryAfterSeconds: number,
    extra: Record<string, unknown> = {},
  ) {
    super({ message, retryAfterSeconds, ...extra }, status);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `retryAfter`, `retryAfterSeconds` or `retry_after` in a remote error's details, in whole seconds. */
function retryAfterOf(details: unknown): number | undefined {
  if (!isRecord(details)) return undefined;
  for (const name of ['retryAfterSeconds', 'retryAfter', 'retry_after']) {
    const value = details[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.max(1, Math.ceil(value));
  }
  return undefined;
}

/** A remote HttpException's extra fields (`field`, `errors`...), without what the error filter sets itself. */
function detailsFor(details: Record<string, unknown>): Record<string, unknown> {
  const {
    statusCode: _s,
    error: _e,
    message: _m,
    retryAfter: _r,
    retryAfterSeconds: _rs,
    retry_after: _ra,
    ...rest
  } = details;
  return rest;
}

/**
 * What the client sees when a call over the bus fails: the remote service's own status and message
 * for its 4xx answers (404 for another tenant's object, 409, 429 with Retry-After...), 504 when it did
 * not answer in time, 503 with Retry-After when the broker or the service is unreachable. A remote 5xx
 * keeps its status but not its message, which may describe internals.
 */
export function upstreamHttpError(error: unknown): unknown {
  if (error instanceof HttpException) return error;
  if (error instanceof RpcTimeoutError) {
    return new HttpException(
      { message: `the ${error.service} service did not answer within ${error.timeoutMs} ms` },
      HttpStatus.GATEWAY_TIMEOUT,
    );
  }
  if (error instanceof BrokerUnavailableError || error instanceof BrokerClosedError) {
    return new RetryableHttpException(
      HttpStatus.SERVICE_UNAVAILABLE,
      'the message broker is unavailable; retry shortly',
      BROKER_RETRY_AFTER_SECONDS,
    );
  }
  if (error instanceof RpcRemoteError) {
    const status = error.status ?? HttpStatus.INTERNAL_SERVER_ERROR;
    const retryAfter = retryAfterOf(error.details);
    if (status === HttpStatus.SERVICE_UNAVAILABLE) {
      return new RetryableHttpException(
        status,
        `the ${error.service} service is unavailable; retry shortly`,
        retryAfter ?? BROKER_RETRY_AFTER_SECONDS,
      );
    }
    if (status >= 500 || status < 400)
      return new HttpException(
        { message: `the ${error.service} service failed to handle the request` },
        status >= 500 ? status : HttpStatus.BAD_GATEWAY,
      );
    const extra = Array.isArray(error.details)
      ? { errors: error.details }
      : isRecord(error.details)
        ? detailsFor(error.details)
        : {};
    if (retryAfter !== undefined) return new RetryableHttpException(status, error.message, retryAfter, extra);
    return new HttpException({ message: error.message, ...extra }, status);
  }
  return error;
}

/** Sets `Retry-After` for errors that carry one; call before the error reaches the JSON error filter. */
export function applyRetryAfter(res: Response, error: unknown): void {
  if (error instanceof RetryableHttpException && !res.headersSent)
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
}
