import { type ValidationOptions, registerDecorator } from 'class-validator';

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
