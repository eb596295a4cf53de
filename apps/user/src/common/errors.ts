import { HttpException, HttpStatus, UnprocessableEntityException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

/** A unique index refused the row (PostgreSQL 23505, SQLite SQLITE_CONSTRAINT_UNIQUE): a race the code's own check lost. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

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
