import {
  Injectable,
  SetMetadata,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * The one exception to the JSON policy: Slack sends interactivity (button clicks) as
 * `application/x-www-form-urlencoded` with the JSON in a `payload` field, and signs those exact bytes.
 * Only the route that carries this decorator (POST /api/v1/notifications/slack/actions) takes such a
 * body, and then only such a body.
 */
const SLACK_FORM_BODY = 'vigil:slack-form-body';
export const SlackFormBody = (): MethodDecorator => SetMetadata(SLACK_FORM_BODY, true);

/**
 * The one body policy of every route: a request body is JSON, sent as `application/json` or
 * `application/<anything>+json`, UTF-8 (no charset, or charset=utf-8). Anything else is refused
 * with the reason; a request without a body (no bytes) is not concerned. `form`: the route takes
 * Slack's form-encoded body instead (see SlackFormBody).
 */
export function bodyPolicyProblem(req: Pick<Request, 'headers' | 'is'>, form = false): string | undefined {
  const length = Number(req.headers['content-length'] ?? 0);
  if (req.headers['transfer-encoding'] === undefined && !(length > 0)) return undefined;
  const declared = req.headers['content-type']?.slice(0, 80);
  const advice = form
    ? 'send the body form-encoded with content-type application/x-www-form-urlencoded, as Slack does'
    : 'send the body as JSON with content-type application/json';
  if (!declared) return `content-type is missing: ${advice}`;
  if (!req.is(form ? ['application/x-www-form-urlencoded'] : ['application/json', '+json']))
    return `content-type ${declared} is not accepted: ${advice}`;
  const charset = CHARSET.exec(declared)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset))
    return `content-type ${declared} is not accepted: ${form ? 'the body' : 'JSON'} is read as UTF-8 (charset=utf-8 or none)`;
  return undefined;
}

/**
 * Applies the body policy after authentication and before validation (so a caller without access
 * learns nothing, and a body of another type never reaches a parser): 415 naming the content type.
 */
@Injectable()
export class JsonBodyInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const form = this.reflector.get<boolean | undefined>(SLACK_FORM_BODY, context.getHandler()) === true;
      const problem = bodyPolicyProblem(context.switchToHttp().getRequest<Request>(), form);
      if (problem) throw new UnsupportedMediaTypeException(problem);
    }
    return next.handle();
  }
}
