import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { getRepositoryToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { openDataSource } from './data-source.js';
import { DatabaseHealthIndicator } from './health/database-health.indicator.js';
import { Transactions, type TransactionsOptions } from './reliable/transactions.js';
import type { EntityClass, PersistenceConfig, ServicePersistence } from './types.js';

export interface PersistenceModuleOptions {
  /** `persistence` from `apps/<service>/src/persistence.ts`. */
  readonly persistence: ServicePersistence;
  readonly config: PersistenceConfig;
  /** PostgreSQL schema; default `vigil_<service>`. */
  readonly schemaName?: string;
  /** Migrate at start-up (default true; the migration Job may have done it already: then it is a no-op). */
  readonly migrate?: boolean;
  /** Connection attempts before the app gives up at start-up (PostgreSQL may still be starting). Default 10, 3 s apart. */
  readonly retryAttempts?: number;
  readonly retryDelayMs?: number;
  /** What the service's Transactions publish with: its broker, logger and the outbox/inbox settings. */
  readonly transactions: Omit<TransactionsOptions, 'service'>;
}

/**
 * When the app shuts down, after the bus has drained: flushes the batches and the outbox publishes
 * under way, then closes the service's data source (in this order, which Nest's hooks do not fix).
 */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Transactions) private readonly transactions: Transactions,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.transactions.stop();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

async function openWithRetries(options: PersistenceModuleOptions): Promise<DataSource> {
  const attempts = Math.max(1, (options.retryAttempts ?? 10) + 1);
  const logger = new Logger('PersistenceModule');
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDataSource({
        ...options.persistence,
        config: options.config,
        ...(options.schemaName ? { schemaName: options.schemaName } : {}),
        migrate: options.migrate ?? true,
      });
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn(`database not reachable (attempt ${attempt}/${attempts}): ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 3_000));
    }
  }
}

/**
 * The database of one service in a Nest app: its TypeORM `DataSource`, connected and migrated
 * before the app starts and closed on shutdown, the Transactions every change goes through, and the
 * health indicator.
 * Import it once in the app's root module.
 *
 * The DataSource is a plain provider rather than `TypeOrmModule.forRoot`, whose process-wide name
 * registry assumes one data source per process: standalone mode runs six services, each with its
 * own, in one process. `repositoriesFor` gives `@InjectRepository(Entity)` providers on top of it.
 */
@Module({})
export class PersistenceModule {
  static forService(options: PersistenceModuleOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: DataSource, useFactory: () => openWithRetries(options) },
      {
        provide: Transactions,
        useFactory: (dataSource: DataSource) =>
          new Transactions(dataSource, { ...options.transactions, service: options.persistence.service }),
        inject: [DataSource],
      },
      DataSourceCloser,
      DatabaseHealthIndicator,
    ];
    return {
      module: PersistenceModule,
      imports: [TerminusModule],
      providers,
      exports: [DataSource, Transactions, DatabaseHealthIndicator],
    };
  }
}

/** `@InjectRepository(Entity)` providers for a module of the service (the DataSource must be in scope). */
export function repositoriesFor(entities: readonly EntityClass[]): Provider[] {
  return entities.map((entity) => ({
    provide: getRepositoryToken(entity as unknown as new () => object),
    useFactory: (dataSource: DataSource) => dataSource.getRepository(entity as unknown as new () => object),
    inject: [DataSource],
  }));
}
