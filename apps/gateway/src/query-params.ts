import { UnprocessableEntityException } from '@nestjs/common';

// What the list routes' query strings share: repeatable values, single values, the 422 naming them.

/** Repeatable or comma-separated: `?status=a&status=b` or `?status=a,b`. */
export function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) =>
    typeof v === 'string' ? v.split(',') : [String(v)],
  );
  return values.map((v) => v.trim()).filter((v) => v.length > 0);
}

/** A parameter that may be given once; given twice, a problem naming it. */
export function single(name: string, value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${name}: give it once`);
    return undefined;
  }
  return value;
}

/** The 422 listing every problem, each naming its parameter. */
export function invalid(problems: string[]): UnprocessableEntityException {
  return new UnprocessableEntityException({ message: `invalid request: ${problems.join('; ')}`, errors: problems });
}
