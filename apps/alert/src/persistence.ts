import { definePersistence } from '@vigil/persistence';
import { ALERT_ENTITIES } from './alerts/alert.entity.js';
import { CreateAlerts1795363152116 as CreateAlertsPostgres } from './migrations/postgres/1795363152116-CreateAlerts.js';
import { AlertSearchAndSecurity1795363152117 } from './migrations/postgres/1795363152117-AlertSearchAndSecurity.js';
import { WebhookMappings1795365977853 as WebhookMappingsPostgres } from './migrations/postgres/1795365977853-WebhookMappings.js';
import { AlertAnalysis1796210489981 as AlertAnalysisPostgres } from './migrations/postgres/1796210489981-AlertAnalysis.js';
import { AlertRetentionIndexes1796222506800 as RetentionIndexesPostgres } from './migrations/postgres/1796222506800-AlertRetentionIndexes.js';
import { CreateAlerts1795363152116 as CreateAlertsSqlite } from './migrations/sqlite/1795363152116-CreateAlerts.js';
import { WebhookMappings1795365977853 as WebhookMappingsSqlite } from './migrations/sqlite/1795365977853-WebhookMappings.js';
import { AlertAnalysis1796210489981 as AlertAnalysisSqlite } from './migrations/sqlite/1796210489981-AlertAnalysis.js';
import { AlertRetentionIndexes1796222506800 as RetentionIndexesSqlite } from './migrations/sqlite/1796222506800-AlertRetentionIndexes.js';
import { WebhookMappingRow } from './webhook-mappings/webhook-mapping.entity.js';

/**
 * The tables the alert service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence.
 */
export const persistence = definePersistence('alert', {
  entities: [...ALERT_ENTITIES, WebhookMappingRow],
  migrations: {
    postgres: [
      CreateAlertsPostgres,
      AlertSearchAndSecurity1795363152117,
      WebhookMappingsPostgres,
      AlertAnalysisPostgres,
      RetentionIndexesPostgres,
    ],
    sqlite: [CreateAlertsSqlite, WebhookMappingsSqlite, AlertAnalysisSqlite, RetentionIndexesSqlite],
  },
});
