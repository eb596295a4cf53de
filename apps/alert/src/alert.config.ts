import { CommonConfig, Env, loadServiceConfig } from '@vigil/config';
import { IsInt, Max, Min } from 'class-validator';

const positive = (what: string) => ({ message: `must be a positive integer (${what})` });

/** The alert service's variables: ingest batching, occurrence coalescing, the outbox relay. */
export class AlertConfig extends CommonConfig {
  @Env('alert service: alerts stored per ingest transaction at most (a batch flushes when it has this many)')
  @IsInt(positive('alerts'))
  @Min(1, positive('alerts'))
  @Max(20_000, { message: 'must be at most 20000 (alerts)' })
  ALERT_BATCH_MAX_ALERTS = 2000;

  @Env('alert service: how long an ingest batch waits for more messages before it flushes, in milliseconds')
  @IsInt(positive('milliseconds'))
  @Min(1, positive('milliseconds'))
  ALERT_BATCH_FLUSH_MS = 5;

  @Env(
    'alert service: repeats of an alert write one timeline entry and one alert.updated at most this often per alert, in milliseconds (0: every repeat)',
  )
  @IsInt({ message: 'must be a non-negative integer (milliseconds)' })
  @Min(0, { message: 'must be a non-negative integer (milliseconds)' })
  ALERT_OCCURRENCE_LOG_INTERVAL_MS = 60_000;

  @Env(
    'alert service: how often the outbox relay publishes events left unpublished (broker down, crash), in milliseconds',
  )
  @IsInt(positive('milliseconds'))
  @Min(1, positive('milliseconds'))
  ALERT_OUTBOX_SWEEP_MS = 2_000;
}

/**
 * The alert service's configuration: its own variables from the environment, the common ones
 * exactly as the runtime resolved them (`common`), so mode and data directory agree with the process.
 */
export function loadAlertConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<AlertConfig> {
  return loadServiceConfig(AlertConfig, common, env);
}

export const ALERT_CONFIG = Symbol('ALERT_CONFIG');
