import { Module } from '@nestjs/common';

/** What the agent runner offers over the API: its agents and their tools, and the tenants' own MCP servers. */
@Module({})
export class CatalogModule {}
