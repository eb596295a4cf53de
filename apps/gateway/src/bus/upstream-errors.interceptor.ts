import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';
import { applyRetryAfter, upstreamHttpError } from './upstream-errors.js';

/** Turns bus failures raised by HTTP handlers into their HTTP answers (see upstreamHttpError). */
@Injectable()
export class UpstreamErrorsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const mapped = upstreamHttpError(error);
        applyRetryAfter(context.switchToHttp().getResponse<Response>(), mapped);
        return throwError(() => mapped);
      }),
    );
  }
}
