import { CommonConfig, ConfigError, defaultPortOf, loadConfigOrExit, loadServiceConfig } from '@vigil/config';
import { EmbeddedBroker, RabbitBroker, type MessageBroker } from '@vigil/messaging';
import { createLogger, type Logger } from '@vigil/observability';
import type { ServiceDefinition } from './service-definition.js';
import { startService, type ProcessRuntime, type RunningService } from './start-service.js';

/** Variables from `./.env` when there is one; the process environment wins over the file. */
function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Distributed mode: this process runs one service over RabbitMQ and PostgreSQL. */
export async function runDistributed(def: ServiceDefinition): Promise<RunningService> {
  loadDotEnv();
  const config = loadConfigOrExit(CommonConfig);
  const logger = createLogger({ service: def.service, level: config.LOG_LEVEL });
  checkServiceConfigs([def], config);
  if (config.VIGIL_MODE !== 'distributed' || !config.AMQP_URL) {
    exitWith(
      `Invalid configuration: AMQP_URL and DATABASE_URL must be set to run the ${def.service} service on its own (use "npm start" for the all-in-one standalone mode)`,
    );
  }
  const broker = new RabbitBroker({
    url: config.AMQP_URL!,
    logger,
    prefetch: config.BUS_PREFETCH,
    namespace: config.BUS_NAMESPACE,
  });
  await broker.connect();
  const runtime: ProcessRuntime = { mode: 'distributed', config, broker, registries: [] };
  const port = def.service === 'gateway' ? config.PORT : (config.HEALTH_PORT ?? defaultPortOf(def.service));
  const running = await startService(def, runtime, port);
  stopOnSignals(logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    await running.close();
    await broker.close();
  });
  return running;
}

export interface StandaloneProcess {
  url: string;
  services: RunningService[];
  broker: MessageBroker;
  close(): Promise<void>;
}

/**
 * Standalone mode: every service in this one process on the embedded broker, each with its own
 * SQLite file. Only the gateway listens on HTTP.
 */
export async function startStandalone(
  defs: ServiceDefinition[],
  config: CommonConfig,
  options: { port?: number; logDestination?: ProcessRuntime['logDestination'] } = {},
): Promise<StandaloneProcess> {
  const port = options.port ?? config.PORT;
  const logger = createLogger({ service: 'standalone', level: config.LOG_LEVEL, destination: options.logDestination });
  const broker = new EmbeddedBroker({ logger, namespace: config.BUS_NAMESPACE });
  await broker.connect();
  const runtime: ProcessRuntime = {
    mode: 'standalone',
    config,
    broker,
    registries: [],
    logDestination: options.logDestination,
    databases: [],
  };
  const gateway = defs.find((d) => d.service === 'gateway');
  if (!gateway) throw new Error('standalone mode needs the gateway service');
  // Back-end services first, so the gateway's first request finds them listening.
  const services = await Promise.all(defs.filter((d) => d !== gateway).map((d) => startService(d, runtime)));
  const front = await startService(gateway, runtime, port);
  return {
    url: front.url!,
    services: [front, ...services],
    broker,
    async close() {
      await front.close();
      await Promise.all(services.map((s) => s.close()));
      await broker.close();
    },
  };
}

export async function runStandalone(defs: ServiceDefinition[]): Promise<StandaloneProcess> {
  const started = performance.now();
  loadDotEnv();
  const config = loadConfigOrExit(CommonConfig);
  const logger = createLogger({ service: 'standalone', level: config.LOG_LEVEL });
  checkServiceConfigs(defs, config);
  const standalone = await startStandalone(defs, config);
  const url = standalone.url.replace('127.0.0.1', 'localhost');
  logger.info({ url, startupMs: Math.round(performance.now() - started) }, `Vigil is ready at ${url}`);
  // The address on its own line too, for people reading a terminal rather than JSON.
  process.stderr.write(
    `\n  Vigil is ready at ${url}  (standalone: all six services, embedded broker, SQLite in ${config.VIGIL_DATA_DIR})\n  System status: ${url}/api/v1/system/status\n\n`,
  );
  stopOnSignals(logger, config.SHUTDOWN_TIMEOUT_MS, () => standalone.close());
  return standalone;
}

/** Every service's own variables, checked before anything starts: a bad one is one line and exit 1. */
function checkServiceConfigs(defs: ServiceDefinition[], config: CommonConfig): void {
  for (const def of defs) {
    if (!def.config) continue;
    try {
      loadServiceConfig(def.config, config);
    } catch (error) {
      if (error instanceof ConfigError) exitWith(error.message);
      throw error;
    }
  }
}

function stopOnSignals(logger: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new work; finishing what is in flight');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting with work possibly unfinished (it will be redelivered)');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Start-up refused: one plain line on stderr (like a bad common variable), exit 1. */
function exitWith(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}
