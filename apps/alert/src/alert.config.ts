import { CommonConfig, Env, IsIntegerIn, loadServiceConfig } from '@vigil/config';

/** The alert service's variables: ingest batching and occurrence coalescing. */
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
}

/**
 * The alert service's configuration: its own variables from the environment, the common ones
 * exactly as the runtime resolved them (`common`), so mode and data directory agree with the process.
 */
export function loadAlertConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<AlertConfig> {
  return loadServiceConfig(AlertConfig, common, env);
}

export const ALERT_CONFIG = Symbol('ALERT_CONFIG');
