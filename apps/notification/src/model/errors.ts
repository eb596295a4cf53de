import { ConflictException, NotFoundException, UnprocessableEntityException } from '@nestjs/common';

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
