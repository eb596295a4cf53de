import { CommonConfig, Env, IsIntegerIn, loadServiceConfig } from '@vigil/config';

/** The alert service's variables: ingest batching, occurrence coalescing, retention. */
export class AlertConfig extends CommonConfig {
  @Env('alert service: alerts stored per ingest transaction at most (a batch flushes when it has this many)')
  @IsIntegerIn(1, 20_000, 'alerts')
  ALERT_BATCH_MAX_ALERTS = 2000;

  @Env('alert service: how long an ingest batch waits for more messages before it flushes, in milliseconds')
  @IsIntegerIn(1, undefined, 'milliseconds')
  ALERT_BATCH_FLUSH_MS = 5;

  @Env(
    'alert service: ingest batches written at the same time, each for its own share of the tenants (a tenant always in the same one, in order)',
  )
  @IsIntegerIn(1, 16, 'batches')
  ALERT_BATCH_LANES = 2;

  @Env(
    'alert service: repeats of an alert write one timeline entry and one alert.updated at most this often per alert, in milliseconds (0: every repeat)',
  )
  @IsIntegerIn(0, undefined, 'milliseconds')
  ALERT_OCCURRENCE_LOG_INTERVAL_MS = 60_000;

  @Env(
    'alert service: days a rejected payload is kept after it was received; older ones are deleted hourly in small batches',
  )
  @IsIntegerIn(1, 36_500, 'days')
  ALERT_REJECTED_RETENTION_DAYS = 30;

  @Env(
    'alert service: largest body kept of one rejected payload, in bytes as stored (UTF-8, JSON escapes included); a longer body is cut there, and its reason says so with the size received',
  )
  @IsIntegerIn(1024, 2_097_152, 'bytes')
  ALERT_REJECTED_MAX_BODY_BYTES = 262_144;

  @Env(
    "alert service: days an alert's timeline entries are kept: older entries are deleted hourly in small batches once the alert has been resolved for that long; an alert not resolved keeps its entries, all but the coalesced repeats (occurrence), which go by age alone",
  )
  @IsIntegerIn(1, 36_500, 'days')
  ALERT_EVENTS_RETENTION_DAYS = 365;
}

/**
 * The alert service's configuration: its own variables from the environment, the common ones
 * exactly as the runtime resolved them (`common`), so mode and data directory agree with the process.
 */
export function loadAlertConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<AlertConfig> {
  return loadServiceConfig(AlertConfig, common, env);
}

export const ALERT_CONFIG = Symbol('ALERT_CONFIG');
