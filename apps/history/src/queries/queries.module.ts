import { Module } from '@nestjs/common';
import { QueriesHandlers } from './queries.handlers.js';
import { QueriesService } from './queries.service.js';
import { QueriesStore } from './queries.store.js';

/** The history read API (sessions listed, one session with its timeline, summaries, filter values). */
@Module({
  controllers: [QueriesHandlers],
  providers: [QueriesService, QueriesStore],
})
export class QueriesModule {}
