import { UnprocessableEntityException, ValidationPipe, type ValidationError } from '@nestjs/common';
import { describeValidationErrors } from '@vigil/contracts';

/**
 * HTTP input validation: class-validator on the DTOs, unknown fields refused, 422 with a message
 * naming every bad field (`errors` lists them one per line). 422 like the user service's own field
 * checks (no such team, bad cursor), so a client handles an invalid field one way wherever it is
 * caught; 400 stays for a body that is not JSON at all.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => {
      const problems = describeValidationErrors(errors);
      return new UnprocessableEntityException({ message: `invalid request: ${problems.join('; ')}`, errors: problems });
    },
  });
}
