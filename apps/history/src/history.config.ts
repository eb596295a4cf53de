import { CommonConfig, Env, IsIntegerIn, loadServiceConfig } from '@vigil/config';

/** The history service's variables: how long investigations are kept. */
export class HistoryConfig extends CommonConfig {
  @Env(
    'history service: days an investigation (its session and every step) is kept after it ended, or after its last event if it never ended; older ones are deleted hourly in small batches',
  )
  @IsIntegerIn(1, 36_500, 'days')
  HISTORY_RETENTION_DAYS = 90;
}

export function loadHistoryConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<HistoryConfig> {
  return loadServiceConfig(HistoryConfig, common, env);
}

export const HISTORY_CONFIG = Symbol('HISTORY_CONFIG');
