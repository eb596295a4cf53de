import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module.js';
import { InvestigationStore } from './investigation.store.js';
import { InvestigationsHandlers } from './investigations.handlers.js';
import { InvestigationsService } from './investigations.service.js';

/** The investigation of each alert: its handlers, the loop and the capture, and the investigations table. */
@Module({
  imports: [CatalogModule],
  controllers: [InvestigationsHandlers],
  // TENANT_MCP_SPECS (the tenants' own MCP servers) comes from CatalogModule.
  providers: [InvestigationStore, InvestigationsService],
})
export class InvestigationsModule {}
