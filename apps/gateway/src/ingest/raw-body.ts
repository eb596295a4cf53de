import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AsyncResource } from 'node:async_hooks';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';

/** The routes whose bodies the gateway reads itself (POST only): kept as bytes so a bad one can be kept raw. */
export const INGEST_PATHS: ReadonlySet<string> = new Set([
  '/api/v1/alerts',
  '/api/v1/webhooks/alertmanager',
  '/api/v1/webhooks/grafana',
  '/api/v1/webhooks/generic',
]);

export interface RawIngestBody {
  /** The bytes as received (after Content-Encoding); empty when the request had none. */
  bytes: Buffer;
  contentType: string | undefined;
}

function httpError(status: number, message: string): Error & { status: number } {
  return Object.assign(new Error(message), { status });
}

function decodedStream(req: Request): Readable | undefined {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding === 'identity' || encoding === '') return req;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  return decoder ? req.pipe(decoder) : undefined;
}

/**
 * Reads the body of the ingest routes as bytes, up to `limit` (after decompression), before Nest's
 * JSON parser could: the receivers parse it themselves, so that `data` reaches the bus exactly as
 * sent, and a body that is not valid JSON (or not UTF-8) can be kept raw for inspection. Its content
 * type is checked later, after authentication, like every route's (JsonBodyInterceptor). Over the
 * limit: 413 as JSON, naming the limit.
 */
export function rawIngestBody(limit: number): RequestHandler {
  const tooLarge = () => httpError(413, `request body is larger than ${limit} bytes (INGEST_MAX_BODY_BYTES)`);
  return (req: Request, res: Response, proceed: NextFunction) => {
    // Stream callbacks run outside the request's async context: bind next() to it (correlation id).
    const next = AsyncResource.bind(proceed);
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '').toLowerCase() : req.path;
    if (req.method !== 'POST' || !INGEST_PATHS.has(path)) return next();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit && !req.headers['content-encoding']) {
      // Refuse before reading; the connection closes so the unread body is not parsed as a request.
      res.setHeader('Connection', 'close');
      return next(tooLarge());
    }
    const stream = decodedStream(req);
    if (!stream)
      return next(
        httpError(
          415,
          `content-encoding ${String(req.headers['content-encoding']).slice(0, 40)} is not supported (identity, gzip, deflate, br)`,
        ),
      );
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      stream.removeAllListeners('data');
      if (error) {
        if ((error as { status?: number }).status === 413) res.setHeader('Connection', 'close');
        return next(error);
      }
      req.body = Buffer.concat(chunks, size);
      next();
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(tooLarge());
        stream.resume();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => finish());
    stream.on('error', (error: Error) =>
      finish(httpError(400, `request body could not be read: ${error.message.slice(0, 200)}`)),
    );
    req.on('aborted', () => finish(httpError(400, 'request aborted')));
  };
}

/** The raw body of an ingest route (see rawIngestBody). */
export const IngestBody = createParamDecorator((_data: unknown, ctx: ExecutionContext): RawIngestBody => {
  const req = ctx.switchToHttp().getRequest<Request>();
  const body: unknown = req.body;
  return {
    bytes: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
    contentType: req.headers['content-type']?.slice(0, 200),
  };
});

export type DecodedBody = { ok: true; value: unknown } | { ok: false; problem: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** JSON from bytes (the content type was checked by JsonBodyInterceptor): UTF-8, a BOM tolerated; otherwise the reason it is not JSON. */
export function decodeJsonBody(raw: RawIngestBody): DecodedBody {
  if (raw.bytes.length === 0) return { ok: false, problem: 'request body is empty: send JSON' };
  let text: string;
  try {
    text = UTF8.decode(raw.bytes);
  } catch {
    return { ok: false, problem: 'request body is not valid UTF-8: send JSON encoded as UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: `request body is not valid JSON: ${(error as Error).message.slice(0, 200)}` };
  }
}
