import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { v7 as uuidv7 } from 'uuid';
import { currentMessageContext, runInMessageContext, VigilRpcExceptionFilter } from '@vigil/messaging';
import type { Observable } from 'rxjs';
import type { HttpMetrics, Logger } from '@vigil/observability';

const CORRELATION_HEADER = 'x-correlation-id';
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Every HTTP error as JSON `{statusCode, error, message, correlationId}`; never HTML, never a stack.
 * On a bus handler (same global filters, see startService) the error becomes the RPC error reply,
 * keeping its message and status for the caller.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  private readonly rpc = new VigilRpcExceptionFilter();

  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    if (host.getType() !== 'http') return this.rpc.catch(exception);
    const res = host.switchToHttp().getResponse<Response>();
    const req = host.switchToHttp().getRequest<Request>();
    const { status, body } = errorBody(exception, req);
    if (status >= 500)
      this.logger.error({ err: exception, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) return;
    res.status(status).json(body);
  }
}

function errorBody(exception: unknown, req: Request): { status: number; body: Record<string, unknown> } {
  const correlationId = currentMessageContext()?.correlationId;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const details =
      typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : { message: response };
    return {
      status,
      body: {
        statusCode: status,
        error: details.error ?? reasonOf(status),
        message: details.message ?? exception.message,
        ...withoutKnown(details),
        correlationId,
      },
    };
  }
  // Errors raised by Express middleware before Nest (body parser: bad JSON, body too large).
  const status = statusOf(exception);
  if (status && status < 500) {
    const message =
      status === 400 && (exception as { type?: string }).type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : (exception as Error).message;
    return { status, body: { statusCode: status, error: reasonOf(status), message, correlationId } };
  }
  void req;
  return {
    status: 500,
    body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', correlationId },
  };
}

function withoutKnown(details: Record<string, unknown>): Record<string, unknown> {
  const { statusCode: _s, error: _e, message: _m, ...rest } = details;
  return rest;
}

function statusOf(error: unknown): number | undefined {
  const candidate = (error as { status?: unknown; statusCode?: unknown } | null) ?? {};
  const status = candidate.status ?? candidate.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

function reasonOf(status: number): string {
  const name = HttpStatus[status];
  return typeof name === 'string'
    ? name
        .toLowerCase()
        .split('_')
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join(' ')
    : 'Error';
}

/**
 * Correlation id per request (taken from `X-Correlation-Id` when sane, else new), echoed in the
 * response and carried into every message sent while handling it; plus request metrics.
 */
export function requestContextMiddleware(metrics: HttpMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.header(CORRELATION_HEADER);
    const correlationId = offered && SAFE_CORRELATION_ID.test(offered) ? offered : uuidv7();
    res.setHeader('X-Correlation-Id', correlationId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // The route template keeps label cardinality bounded; unmatched paths share one label.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.observe(
        req.method,
        `${req.baseUrl ?? ''}${route}`,
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    runInMessageContext({ correlationId }, () => next());
  };
}

/** Express's last-resort error handler, for errors that never reach Nest's filters. */
export function installJsonFallback(app: INestApplication, logger: Logger): void {
  const filter = new JsonErrorFilter(logger);
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorBody(err, req);
    if (status >= 500) logger.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    if (!res.headersSent) res.status(status).json(body);
  });
  app.useGlobalFilters(filter);
}
