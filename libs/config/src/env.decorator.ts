// `@Env()` marks a config-class property as an environment variable: its name is the property
// name, its description is the one-line comment of `.env.example`, its kind says how the raw
// string is parsed before class-validator sees it.
export type EnvKind = 'string' | 'integer' | 'boolean';

export interface EnvVarInfo {
  readonly name: string;
  readonly description: string;
  readonly kind: EnvKind;
  /** A key or a password: an error about it never shows its value. */
  readonly secret: boolean;
  /** May be read from the file `<NAME>_FILE` names when unset (every secret may). */
  readonly fromFile: boolean;
}

/** A config schema: a class with a no-argument constructor whose field initialisers are the defaults. */
export type ConfigClass<T extends object = object> = new () => T;

interface Declared {
  readonly name: string;
  readonly description: string;
  readonly kind?: EnvKind;
  readonly secret: boolean;
  readonly fromFile: boolean;
}

const declared = new WeakMap<object, Declared[]>();

function kindOfType(type: unknown): EnvKind | undefined {
  if (type === Number) return 'integer';
  if (type === Boolean) return 'boolean';
  if (type === String) return 'string';
  return undefined;
}

/**
 * `secret`: a key or a password (never shown in errors; may come from `<NAME>_FILE`).
 * `fromFile`: may come from `<NAME>_FILE` without being a secret (a URL with a password in it,
 * whose errors still show it with the password masked).
 */
export function Env(
  description: string,
  options: { kind?: EnvKind; secret?: boolean; fromFile?: boolean } = {},
): PropertyDecorator {
  return (prototype, key) => {
    if (typeof key !== 'string') throw new TypeError('@Env() needs a string property name');
    // `design:type` (decorator metadata) says Number for `PORT?: number`, but only Object for an
    // unannotated `PORT = 3000`: then envVarsOf() infers the kind from the default value.
    const kind = options.kind ?? kindOfType(Reflect.getMetadata('design:type', prototype, key));
    const own = declared.get(prototype) ?? [];
    const secret = options.secret === true;
    own.push({ name: key, description, kind, secret, fromFile: secret || options.fromFile === true });
    declared.set(prototype, own);
  };
}

/** Every variable a schema declares, base classes first; a subclass may redeclare a variable. */
export function envVarsOf(schema: ConfigClass): EnvVarInfo[] {
  const chain: object[] = [];
  for (
    let proto: object | null = schema.prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    chain.unshift(proto);
  const byName = new Map<string, Declared>();
  for (const proto of chain) for (const info of declared.get(proto) ?? []) byName.set(info.name, info);
  const defaults = new schema() as Record<string, unknown>;
  return [...byName.values()].map(({ name, description, kind, secret, fromFile }) => ({
    name,
    description,
    kind: kind ?? kindOfType(defaults[name]?.constructor) ?? 'string',
    secret,
    fromFile,
  }));
}
