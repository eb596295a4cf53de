import { Module } from '@nestjs/common';
import type { CommonConfig } from '@vigil/config';
import { CONFIG } from '@vigil/runtime';
import { ALERT_CONFIG, loadAlertConfig } from './alert.config.js';
import { AlertStore } from './alerts/alert.store.js';
import { AnalysisHandlers } from './analysis/analysis.handlers.js';
import { AnalysisService } from './analysis/analysis.service.js';
import { EscalationHandlers } from './escalation/escalation.handlers.js';
import { EscalationService } from './escalation/escalation.service.js';
import { IngestHandlers } from './ingest/ingest.handlers.js';
import { IngestService } from './ingest/ingest.service.js';
import { LifecycleHandlers } from './lifecycle/lifecycle.handlers.js';
import { LifecycleService } from './lifecycle/lifecycle.service.js';
import { QueriesHandlers } from './queries/queries.handlers.js';
import { QueriesService } from './queries/queries.service.js';
import { QueriesStore } from './queries/queries.store.js';
import { RejectedHandlers } from './rejected/rejected.handlers.js';
import { RejectedService } from './rejected/rejected.service.js';
import { RejectedStore } from './rejected/rejected.store.js';
import { RetentionService } from './retention/retention.service.js';
import { SilencesHandlers } from './silences/silences.handlers.js';
import { SilencesService } from './silences/silences.service.js';
import { SilencesStore } from './silences/silences.store.js';
import { StatsHandlers } from './stats/stats.handlers.js';
import { StatsService } from './stats/stats.service.js';
import { StatsStore } from './stats/stats.store.js';
import { WebhookMappingHandlers } from './webhook-mappings/webhook-mapping.handlers.js';
import { WebhookMappingService } from './webhook-mappings/webhook-mapping.service.js';
import { WebhookMappingStore } from './webhook-mappings/webhook-mapping.store.js';

/**
 * The alert service, one folder per capability (handlers → service → rules, with its SQL in a
 * store beside them): ingest, lifecycle (acknowledge, resolve, notes), analysis (the agent runner's
 * sessions), escalation (the notifier's steps, on the timeline), queries (with similar alerts), stats, silences,
 * rejected payloads, stored webhook mappings; retention deletes rejected payloads and timeline
 * entries past their days. alerts/ holds the alert row they share.
 */
@Module({
  controllers: [
    IngestHandlers,
    LifecycleHandlers,
    AnalysisHandlers,
    EscalationHandlers,
    QueriesHandlers,
    StatsHandlers,
    SilencesHandlers,
    RejectedHandlers,
    WebhookMappingHandlers,
  ],
  providers: [
    { provide: ALERT_CONFIG, useFactory: (common: CommonConfig) => loadAlertConfig(common), inject: [CONFIG] },
    AlertStore,
    IngestService,
    LifecycleService,
    AnalysisService,
    EscalationService,
    QueriesService,
    QueriesStore,
    StatsService,
    StatsStore,
    SilencesService,
    SilencesStore,
    RejectedService,
    RejectedStore,
    RetentionService,
    WebhookMappingService,
    WebhookMappingStore,
  ],
})
export class AlertModule {}
