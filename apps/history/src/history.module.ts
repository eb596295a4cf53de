import { Module } from '@nestjs/common';
import type { CommonConfig } from '@vigil/config';
import { CONFIG } from '@vigil/runtime';
import { ConsumptionHandlers } from './consumption/consumption.handlers.js';
import { ConsumptionService } from './consumption/consumption.service.js';
import { HistoryStore } from './consumption/history.store.js';
import { QueriesModule } from './queries/queries.module.js';
import { HISTORY_CONFIG, loadHistoryConfig } from './history.config.js';
import { RetentionService } from './retention/retention.service.js';

/**
 * The history service: investigation sessions, LLM interactions and MCP communications, stored from
 * the agent runner's agent.* events (consumption/) and deleted after HISTORY_RETENTION_DAYS
 * (retention/). sessions/ holds the rows the capabilities share.
 */
@Module({
  imports: [QueriesModule],
  controllers: [ConsumptionHandlers],
  providers: [
    { provide: HISTORY_CONFIG, useFactory: (common: CommonConfig) => loadHistoryConfig(common), inject: [CONFIG] },
    ConsumptionService,
    HistoryStore,
    RetentionService,
  ],
})
export class HistoryModule {}
