import { HttpException, HttpStatus, UnprocessableEntityException } from '@nestjs/common';

/** 422 naming the field, e.g. `invalidField('teamId', 'no such team in this tenant')`. */
export function invalidField(
  field: string,
  problem: string,
  extra: Record<string, unknown> = {},
): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `${field}: ${problem}`, field, ...extra });
}

/** 429 with the seconds to wait in the details (`retryAfterSeconds`), for the gateway's Retry-After. */
export function tooManyAttempts(retryAfterSeconds: number): HttpException {
  return new HttpException(
    { message: `too many failed sign-in attempts; try again in ${retryAfterSeconds} seconds`, retryAfterSeconds },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
