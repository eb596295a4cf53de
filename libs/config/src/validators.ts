import { IsInt, Max, Min, type ValidationOptions, registerDecorator } from 'class-validator';

/** A parseable absolute URL whose scheme is one of `schemes` (without the colon) and that names a host. */
export function IsUrlWithScheme(schemes: readonly string[], options?: ValidationOptions): PropertyDecorator {
  return (prototype, key) => {
    registerDecorator({
      name: 'isUrlWithScheme',
      target: prototype.constructor,
      propertyName: String(key),
      constraints: [schemes],
      options,
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || !URL.canParse(value)) return false;
          const url = new URL(value);
          return schemes.includes(url.protocol.replace(/:$/, '')) && url.hostname !== '';
        },
      },
    });
  };
}

/** Fails when `allowed(object)` is false: for rules that depend on other variables. */
export function AllowedWhen<T extends object>(
  allowed: (config: T) => boolean,
  options: ValidationOptions,
): PropertyDecorator {
  return (prototype, key) => {
    registerDecorator({
      name: 'allowedWhen',
      target: prototype.constructor,
      propertyName: String(key),
      options,
      validator: {
        validate(_value: unknown, args): boolean {
          return args ? allowed(args.object as T) : true;
        },
      },
    });
  };
}

/**
 * An integer of at least `min` (and at most `max`), with one message for the three checks that
 * names the range and the unit: "must be a positive integer (seconds)", "must be an integer between
 * 0 and 5000 (milliseconds)".
 */
export function IsIntegerIn(min: number, max?: number, unit?: string): PropertyDecorator {
  const range =
    max !== undefined
      ? `an integer between ${min} and ${max}`
      : min === 1
        ? 'a positive integer'
        : min === 0
          ? 'a non-negative integer'
          : `an integer of at least ${min}`;
  const options = { message: `must be ${range}${unit ? ` (${unit})` : ''}` };
  const checks = [IsInt(options), Min(min, options), ...(max === undefined ? [] : [Max(max, options)])];
  return (prototype, key) => {
    for (const check of checks) check(prototype, key);
  };
}

/**
 * A string that `parse` accepts; when it throws, the message carries the parser's reason
 * ("is invalid: JWT_KEYS key "k1" is shorter than 32 bytes").
 */
export function IsParsedBy(parse: (value: string) => unknown, options?: ValidationOptions): PropertyDecorator {
  const problemOf = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return 'not a string';
    try {
      parse(value);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  };
  return (prototype, key) => {
    registerDecorator({
      name: 'isParsedBy',
      target: prototype.constructor,
      propertyName: String(key),
      options,
      validator: {
        validate: (value: unknown) => problemOf(value) === undefined,
        defaultMessage: (args) => `is invalid: ${problemOf(args?.value) ?? 'unknown reason'}`,
      },
    });
  };
}
