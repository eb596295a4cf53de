import type { ServiceName } from '@vigil/contracts';

export type RunningMode = 'standalone' | 'distributed';

export interface ServiceInfo {
  service: ServiceName;
  version: string;
  mode: RunningMode;
  /** Epoch milliseconds. */
  startedAt: number;
}
