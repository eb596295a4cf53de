import { readFileSync } from 'node:fs';
import { type ValidationError, validateSync } from 'class-validator';
import { type ConfigClass, type EnvKind, envVarsOf } from './env.decorator.js';

/** Thrown by `loadConfig`: the message is one line naming each bad variable and what is expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** The variables that are wrong, in declaration order. */
    readonly variables: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** A schema may derive values from others (e.g. VIGIL_MODE) after parsing and before validation. */
export interface ResolvesDerivedValues {
  resolveDerivedValues(): void;
}

function resolvesDerivedValues(value: object): value is ResolvesDerivedValues {
  return typeof (value as Partial<ResolvesDerivedValues>).resolveDerivedValues === 'function';
}

const INTEGER = /^[+-]?\d+$/;

/** Parses strictly; anything unparseable stays a string so that its validator names the variable. */
function parse(raw: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'integer':
      return INTEGER.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string':
      return raw;
  }
}

/** Credentials inside a URL never reach a log line. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@]*)@/i, (_match, scheme: string, userInfo: string) => {
    const user = userInfo.split(':')[0];
    return `${scheme}${userInfo.includes(':') ? `${user}:***` : user}@`;
  });
}

function describeValue(raw: string | undefined, secret: boolean): string {
  if (raw === undefined) return '(not set)';
  // A key or password does not reach the logs, even a wrong one (it may be the right one mistyped).
  if (secret) return `(got ${raw.length} characters, not shown)`;
  return `(got ${JSON.stringify(redactUrl(raw))})`;
}

function firstMessage(error: ValidationError): string {
  const messages = Object.values(error.constraints ?? {});
  return messages[0] ?? 'is invalid';
}

/**
 * Reads the variables `schema` declares from `env`, applies the class's defaults for the unset ones,
 * validates everything with class-validator and returns a frozen instance. Empty strings count as
 * unset (docker-compose and Kubernetes often pass `VAR=`). Throws a `ConfigError` on bad input.
 */
export function loadConfig<T extends object>(
  schema: ConfigClass<T>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<T> {
  const instance = new schema();
  const target = instance as Record<string, unknown>;
  const raw = new Map<string, string>();
  const secrets = new Set<string>();
  const unreadable: string[] = [];
  for (const variable of envVarsOf(schema)) {
    if (variable.secret) secrets.add(variable.name);
    let value = env[variable.name]?.trim();
    // A secret (or a URL with credentials) may come from a file instead (`<NAME>_FILE`: Docker and
    // Kubernetes secrets, a key generated on the first start); the variable itself, when set, wins.
    const file = variable.fromFile ? env[`${variable.name}_FILE`]?.trim() : undefined;
    if ((value === undefined || value === '') && file) {
      try {
        value = readFileSync(file, 'utf8').trim();
      } catch (error) {
        unreadable.push(
          `${variable.name}_FILE cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}: ${file})`,
        );
        continue;
      }
    }
    if (value === undefined || value === '') continue;
    raw.set(variable.name, value);
    target[variable.name] = parse(value, variable.kind);
  }
  if (resolvesDerivedValues(instance)) instance.resolveDerivedValues();

  if (unreadable.length > 0)
    throw new ConfigError(
      unreadable.map((problem) => problem.slice(0, problem.indexOf('_FILE'))),
      `Invalid configuration: ${unreadable.join('; ')}`,
    );
  const errors = validateSync(instance, { stopAtFirstError: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const problems = errors.map(
      (error) =>
        `${error.property} ${firstMessage(error)} ${describeValue(raw.get(error.property), secrets.has(error.property))}`,
    );
    throw new ConfigError(
      errors.map((error) => error.property),
      `Invalid configuration: ${problems.join('; ')}`,
    );
  }
  return Object.freeze(instance);
}

/** `loadConfig` for a process entry point: a bad configuration prints one line to stderr and exits 1. */
export function loadConfigOrExit<T extends object>(
  schema: ConfigClass<T>,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<T> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return process.exit(1);
  }
}
