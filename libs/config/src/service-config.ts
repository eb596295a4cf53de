import { CommonConfig } from './common.config.js';
import { envVarsOf, type ConfigClass } from './env.decorator.js';
import { loadConfig } from './load-config.js';

/**
 * A service's own configuration class (extending CommonConfig) loaded from the environment, with
 * the common variables taken exactly as the runtime already resolved them, so the mode and the
 * data directory agree with the rest of the process (standalone runs six services in one).
 */
export function loadServiceConfig<T extends CommonConfig>(
  schema: ConfigClass<T>,
  common: CommonConfig,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<T> {
  const merged: NodeJS.ProcessEnv = { ...env };
  const resolved = common as unknown as Record<string, unknown>;
  for (const { name } of envVarsOf(CommonConfig)) {
    const value = resolved[name];
    if (value === undefined) delete merged[name];
    else merged[name] = String(value);
  }
  return loadConfig(schema, merged);
}
