import {
  UnprocessableEntityException,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
} from '@nestjs/common';
import { describeValidationErrors } from '@vigil/contracts';

/**
 * Keys class-transformer skips without a word (it will not walk into prototypes), so the unknown
 * field check never sees them: refused here instead, wherever they are in a body or a query.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['constructor', '__proto__', 'prototype']);
const MAX_DEPTH = 256;

/** `path: problem` for every key named constructor, __proto__ or prototype in parsed JSON. */
export function prototypeKeyProblems(value: unknown, path = '', depth = 0): string[] {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => prototypeKeyProblems(item, `${path}[${index}]`, depth + 1));
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (PROTOTYPE_KEYS.has(key)) problems.push(`${at}: a key named "${key}" is not accepted`);
    else problems.push(...prototypeKeyProblems(item, at, depth + 1));
  }
  return problems;
}

function invalidRequest(problems: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `invalid request: ${problems.join('; ')}`, errors: problems });
}

class GatewayValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const problems = prototypeKeyProblems(value);
      if (problems.length) throw invalidRequest(problems);
    }
    return super.transform(value, metadata);
  }
}

/**
 * HTTP input validation: class-validator on the DTOs, unknown fields refused, 422 with a message
 * naming every bad field (`errors` lists them one per line). 422 like the user service's own field
 * checks (no such team, bad cursor), so a client handles an invalid field one way wherever it is
 * caught; 400 stays for a body that is not JSON at all.
 */
export function createValidationPipe(): ValidationPipe {
  return new GatewayValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) => invalidRequest(describeValidationErrors(errors)),
  });
}
