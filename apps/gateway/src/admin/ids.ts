import { ParseUUIDPipe, UnprocessableEntityException } from '@nestjs/common';

/** `:id` path parameters: a UUID, or 422 naming the parameter. Another tenant's id is the user service's 404. */
export const UUID_PARAM = new ParseUUIDPipe({
  exceptionFactory: () =>
    new UnprocessableEntityException({ message: 'id: must be a UUID', errors: ['id: must be a UUID'] }),
});
