/** Injection tokens the runtime provides to every service module. */
export const SERVICE_INFO = Symbol('SERVICE_INFO');
export const LOGGER = Symbol('LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const MESSAGE_BROKER = Symbol('MESSAGE_BROKER');
export const CONFIG = Symbol('CONFIG');
/** Standalone: the databases of every service in the process, which the one HTTP server's readiness checks. */
export const PROCESS_DATABASES = Symbol('PROCESS_DATABASES');
