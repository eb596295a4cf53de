import { Injectable } from '@nestjs/common';
import { nowMicros, windowMicros, type AlertStats } from '@vigil/contracts';
import { Transactions } from '@vigil/persistence';
import { toIso } from '../alerts/time.js';
import { combineStats } from './stats.js';
import { StatsStore } from './stats.store.js';

/** Counts and response times over a window, from one snapshot so that they add up. */
@Injectable()
export class StatsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: StatsStore,
  ) {}

  stats(tenantId: string, window: string): Promise<AlertStats> {
    const to = Number(nowMicros());
    const from = to - windowMicros(window);
    return this.transactions.inTenant(tenantId, async ({ sql }) =>
      combineStats(
        { window, from: toIso(from), to: toIso(to) },
        await this.store.groups(sql, tenantId, from),
        await this.store.topAlertTypes(sql, tenantId, from),
      ),
    );
  }
}
