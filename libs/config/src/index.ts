// class-validator and `@Env()` read decorator metadata: load the polyfill before any config class.
import 'reflect-metadata';
export { Env, envVarsOf, type ConfigClass, type EnvKind, type EnvVarInfo } from './env.decorator.js';
export { ConfigError, loadConfig, loadConfigOrExit, redactUrl, type ResolvesDerivedValues } from './load-config.js';
export { envExampleProblems } from './env-example.js';
export { AllowedWhen, IsIntegerIn, IsParsedBy, IsUrlWithScheme } from './validators.js';
export {
  CommonConfig,
  DEFAULT_PORTS,
  LOG_LEVELS,
  VIGIL_MODES,
  defaultPortOf,
  type LogLevel,
  type VigilMode,
} from './common.config.js';
export { loadServiceConfig } from './service-config.js';
