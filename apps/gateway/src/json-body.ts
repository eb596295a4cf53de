import {
  Injectable,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * The one body policy of every route: a request body is JSON, sent as `application/json` or
 * `application/<anything>+json`, UTF-8 (no charset, or charset=utf-8). Anything else is refused
 * with the reason; a request without a body (no bytes) is not concerned.
 */
export function bodyPolicyProblem(req: Pick<Request, 'headers' | 'is'>): string | undefined {
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] === undefined && !(length > 0)) return undefined;
  const declared = req.headers['content-type']?.slice(0, 80);
  const advice = 'send the body as JSON with content-type application/json';
  if (!declared) return `content-type is missing: ${advice}`;
  if (!req.is(['application/json', '+json'])) return `content-type ${declared} is not accepted: ${advice}`;
  const charset = CHARSET.exec(declared)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset))
    return `content-type ${declared} is not accepted: JSON is read as UTF-8 (charset=utf-8 or none)`;
  return undefined;
}

/**
 * Applies the body policy after authentication and before validation (so a caller without access
 * learns nothing, and a body of another type never reaches a parser): 415 naming the content type.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const problem = bodyPolicyProblem(context.switchToHttp().getRequest<Request>());
      if (problem) throw new UnsupportedMediaTypeException(problem);
    }
    return next.handle();
  }
}
