import { Module } from '@nestjs/common';
import type { CommonConfig } from '@vigil/config';
import { CONFIG } from '@vigil/runtime';
import { ALERT_CONFIG, loadAlertConfig } from './alert.config.js';
import { AlertHandlers } from './alert.handlers.js';
import { AlertService } from './alert.service.js';
import { IngestService } from './ingest.service.js';
import { RejectedService } from './rejected.service.js';
import { SilenceService } from './silence.service.js';
import { AlertDb } from './store/alert-db.js';
import { IngestStore } from './store/ingest.store.js';
import { OutboxRelay } from './store/outbox.js';
import { WebhookMappingHandlers } from './webhook-mappings/webhook-mapping.handlers.js';
import { WebhookMappingService } from './webhook-mappings/webhook-mapping.service.js';

/** The alert service: alerts, their timelines and notes, silences, rejected payloads, stored webhook mappings. */
@Module({
  controllers: [AlertHandlers, WebhookMappingHandlers],
  providers: [
    { provide: ALERT_CONFIG, useFactory: (common: CommonConfig) => loadAlertConfig(common), inject: [CONFIG] },
    AlertDb,
    OutboxRelay,
    IngestStore,
    IngestService,
    AlertService,
    SilenceService,
    RejectedService,
    WebhookMappingService,
  ],
})
export class AlertModule {}
