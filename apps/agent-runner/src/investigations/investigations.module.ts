import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module.js';
import { InvestigationStore } from './investigation.store.js';
import { InvestigationsHandlers } from './investigations.handlers.js';
import { InvestigationsService, TENANT_MCP_SPECS } from './investigations.service.js';

/** The investigation of each alert: its handlers, the loop and the capture, and the investigations table. */
@Module({
  imports: [CatalogModule],
  controllers: [InvestigationsHandlers],
  providers: [
    InvestigationStore,
    InvestigationsService,
    { provide: TENANT_MCP_SPECS, useValue: { specsFor: () => Promise.resolve([]) } },
  ],
})
export class InvestigationsModule {}
