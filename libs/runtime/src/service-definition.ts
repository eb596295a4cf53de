import type { INestApplication, Type } from '@nestjs/common';
import type { CommonConfig, ConfigClass } from '@vigil/config';
import type { ServiceName } from '@vigil/contracts';
import type { ServicePersistence } from '@vigil/persistence';

/** What an app tells the runtime about itself; the runtime does the wiring common to all six. */
export interface ServiceDefinition {
  service: ServiceName;
  /** The app's own Nest module: its handlers, controllers and logic. */
  module: Type;
  /** The tables it owns and their migrations (`apps/<service>/src/persistence.ts`). Omitted: no database. */
  persistence?: ServicePersistence;
  /** The service's own configuration class, when it has variables of its own: checked before start-up. */
  config?: ConfigClass<CommonConfig>;
  /** Unacknowledged events its consumer may hold, when it needs more than BUS_PREFETCH (batching consumers). */
  busPrefetch?: number;
  /**
   * The exact number of events its consumer may hold, replacing BUS_PREFETCH and busPrefetch, for a
   * consumer whose every message is long work: what it does not hold stays in the queue for the
   * other replicas.
   */
  exactBusPrefetch?(common: CommonConfig): number;
  /** HTTP set-up beyond health and metrics (the gateway's API). */
  configureHttp?(app: INestApplication): void;
}
