import { Module } from '@nestjs/common';

/** The history service: investigation sessions, LLM interactions and MCP communications. */
@Module({})
export class HistoryModule {}
