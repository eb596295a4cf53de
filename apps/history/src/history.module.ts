import { Module } from '@nestjs/common';
import { ConsumptionHandlers } from './consumption/consumption.handlers.js';
import { ConsumptionService } from './consumption/consumption.service.js';
import { HistoryStore } from './consumption/history.store.js';

/**
 * The history service: investigation sessions, LLM interactions and MCP communications, stored from
 * the agent runner's agent.* events (consumption/). sessions/ holds the rows the capabilities share.
 */
@Module({
  controllers: [ConsumptionHandlers],
  providers: [ConsumptionService, HistoryStore],
})
export class HistoryModule {}
