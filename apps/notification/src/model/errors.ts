import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

/** 422 naming the field (`problem` starts with it), as every service's own field checks answer. */
export function invalid(field: string, problem: string): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: problem, field });
}

/** 404: another tenant's object is answered exactly like a missing one. */
export function notFound(what: string, id: string): NotFoundException {
  return new NotFoundException(`${what} ${id} not found`);
}

export function nameTaken(what: string, name: string): ConflictException {
  return new ConflictException({ message: `name: the tenant already has a ${what} named "${name}"`, field: 'name' });
}

/** A unique index refused the row: a concurrent request took the name first. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
