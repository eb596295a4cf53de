import { Module, type DynamicModule, type INestApplication, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { CommonConfig } from '@vigil/config';
import { currentMessageContext, VigilBusClient, VigilBusServer, type MessageBroker } from '@vigil/messaging';
import {
  BROKER_PROBE,
  BrokerHealthIndicator,
  createHttpMetrics,
  createLogger,
  createMetricsRegistry,
  PinoNestLogger,
  type Logger,
  type LoggerOptions,
  type Registry,
} from '@vigil/observability';
import { DatabaseHealthIndicator, isDatabaseUnavailable, PersistenceModule } from '@vigil/persistence';
import { HealthController } from './health.controller.js';
import { installJsonFallback, requestContextMiddleware } from './http.js';
import { EXPOSED_REGISTRIES, MetricsController } from './metrics.controller.js';
import { pingHandlersFor } from './ping.handlers.js';
import type { ServiceDefinition } from './service-definition.js';
import type { RunningMode, ServiceInfo } from './service-info.js';
import { CONFIG, LOGGER, MESSAGE_BROKER, METRICS_REGISTRY, PROCESS_DATABASES, SERVICE_INFO } from './tokens.js';
import { vigilVersion } from './version.js';

/** What the process shares between the services it hosts: one in distributed mode, six standalone. */
export interface ProcessRuntime {
  mode: RunningMode;
  config: CommonConfig;
  broker: MessageBroker;
  /** Every service registry in this process, so a /metrics page can show them all. */
  registries: Registry[];
  /** Where log lines go; stdout when unset. */
  logDestination?: LoggerOptions['destination'];
  /**
   * Standalone: every service's database in this process, each service adding its own as it starts,
   * so the readiness of the one HTTP server (the gateway's) checks them all.
   */
  databases?: ServiceDatabase[];
}

/** A service's database, as another service's readiness checks it. */
export interface ServiceDatabase {
  service: ServiceInfo['service'];
  indicator: DatabaseHealthIndicator;
}

export interface RunningService {
  service: ServiceInfo['service'];
  app: INestApplication;
  logger: Logger;
  /** The HTTP address when it listens, e.g. `http://127.0.0.1:3000`. */
  url?: string;
  /** Stops taking work, finishes what is in flight, then releases the database. */
  close(): Promise<void>;
}

@Module({})
class ServiceCoreModule {}

@Module({})
class ServiceRootModule {}

/**
 * Boots one service as a Nest application on the given broker: its module, the bus server and
 * client, its database (migrated), health, metrics and the ping handler. `port` undefined: no HTTP.
 */
export async function startService(
  def: ServiceDefinition,
  runtime: ProcessRuntime,
  port?: number,
): Promise<RunningService> {
  const { config, broker } = runtime;
  const info: ServiceInfo = {
    service: def.service,
    version: vigilVersion(),
    mode: runtime.mode,
    startedAt: Date.now(),
  };
  const logger = createLogger({
    service: def.service,
    level: config.LOG_LEVEL,
    destination: runtime.logDestination,
    context: () => {
      const ctx = currentMessageContext();
      return ctx
        ? { correlationId: ctx.correlationId, ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}) }
        : undefined;
    },
  });
  const registry = createMetricsRegistry(def.service, { processMetrics: runtime.registries.length === 0 });
  runtime.registries.push(registry);

  const client = new VigilBusClient(broker, {
    service: def.service,
    registry,
    logger,
    rpcTimeoutMs: config.RPC_TIMEOUT_MS,
  });

  const providers: Provider[] = [
    { provide: SERVICE_INFO, useValue: info },
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useValue: logger },
    { provide: METRICS_REGISTRY, useValue: registry },
    { provide: EXPOSED_REGISTRIES, useValue: () => (runtime.mode === 'standalone' ? runtime.registries : [registry]) },
    { provide: MESSAGE_BROKER, useValue: broker },
    { provide: BROKER_PROBE, useValue: broker },
    { provide: PROCESS_DATABASES, useValue: runtime.databases ?? [] },
    { provide: VigilBusClient, useValue: client },
    BrokerHealthIndicator,
  ];
  // The service's database: connected and migrated before the app starts, closed on shutdown; and
  // Transactions, the one way to change it (inbox, tenant scope, outbox and its relay).
  const database = def.persistence
    ? [
        PersistenceModule.forService({
          persistence: def.persistence,
          config,
          transactions: {
            broker,
            logger,
            outboxSweepMs: config.OUTBOX_SWEEP_MS,
            inboxRetentionDays: config.INBOX_RETENTION_DAYS,
          },
        }),
      ]
    : [];
  const core: DynamicModule = {
    module: ServiceCoreModule,
    global: true,
    imports: [TerminusModule.forRoot({ logger: false }), ...database],
    providers,
    exports: [...providers.map((p) => (typeof p === 'function' ? p : p.provide)), TerminusModule, ...database],
  };
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [core, def.module],
    controllers: [HealthController, MetricsController, pingHandlersFor(def.service)],
  };

  const app = await NestFactory.create(root, {
    logger: new PinoNestLogger(logger),
    forceCloseConnections: true,
    abortOnError: false,
  });
  let url: string | undefined;
  try {
    app.use(requestContextMiddleware(createHttpMetrics(registry)));
    def.configureHttp?.(app);
    installJsonFallback(app, logger);

    const server = new VigilBusServer(broker, {
      service: def.service,
      registry,
      logger,
      prefetch: def.exactBusPrefetch?.(config) ?? Math.max(def.busPrefetch ?? 0, config.BUS_PREFETCH),
      maxAttempts: config.BUS_MAX_ATTEMPTS,
      // On shutdown, how long the handlers in flight may take before their messages are left to redelivery.
      drainTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      // A service with a database claims each envelope in its inbox, in the handler's own transaction;
      // while that database cannot be reached, its messages wait without spending their attempts.
      ...(def.persistence ? { idempotency: null, isTransient: isDatabaseUnavailable } : {}),
    });
    // Inherit the global filter: on bus handlers it turns errors into RPC replies with their status.
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    // Every provider initialised (onModuleInit) before the first message is taken: a queue that
    // filled while the service was down is delivered the moment its consumer starts.
    await app.init();
    await app.startAllMicroservices();

    if (port !== undefined) {
      await app.listen(port, '0.0.0.0');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    }
  } catch (error) {
    // A refused start-up (say, a bootstrap check) must not leave the database pool or consumers open.
    await app.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    throw error;
  }
  logger.info({ mode: runtime.mode, version: info.version, url }, `${def.service} started`);
  const ownDatabase: ServiceDatabase | undefined =
    def.persistence && runtime.databases
      ? { service: def.service, indicator: app.get(DatabaseHealthIndicator) }
      : undefined;
  if (ownDatabase) runtime.databases!.push(ownDatabase);

  return {
    service: def.service,
    app,
    logger,
    url,
    async close() {
      if (ownDatabase) runtime.databases!.splice(runtime.databases!.indexOf(ownDatabase), 1);
      // Nest closes HTTP, then the bus server (which waits for in-flight handlers), then the database.
      await app.close();
      await client.close();
      logger.info(`${def.service} stopped`);
    },
  };
}
