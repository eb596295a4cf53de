import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { nowMicros } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { ScheduledPurge, Transactions } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';

const DAY_US = 86_400_000_000n;
/** Rows deleted per statement (one short transaction each): rejected bodies are large, timeline rows small. */
export const REJECTED_BATCH = 500;
export const EVENTS_BATCH = 2000;

export interface Purged {
  rejected: number;
  events: number;
}

/**
 * Every hour (the first time a minute after start), across tenants, a batch per transaction:
 * - rejected payloads received more than ALERT_REJECTED_RETENTION_DAYS ago;
 * - timeline entries (alert_events) older than ALERT_EVENTS_RETENTION_DAYS of alerts resolved longer
 *   ago than that, and, whatever the alert's status, its coalesced repeat entries (`occurrence`) older
 *   than that: an alert still open keeps its creation, steps, notes and analyses. The alert row itself
 *   (occurrence count, steps with their notes, latest analysis) is never deleted.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: ScheduledPurge;

  constructor(
    private readonly transactions: Transactions,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.job = new ScheduledPurge('alert', () => this.purge(), logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes what is past retention at `nowUs`; returns how many rows of each went. */
  async purge(nowUs: bigint = nowMicros()): Promise<Purged> {
    // Numbers, not text: SQLite compares an integer column with text as always smaller (µs fit in 2^53).
    const rejectedCutoff = Number(nowUs - BigInt(this.config.ALERT_REJECTED_RETENTION_DAYS) * DAY_US);
    const eventsCutoff = Number(nowUs - BigInt(this.config.ALERT_EVENTS_RETENTION_DAYS) * DAY_US);
    const rejected = await this.job.inBatches(this.transactions, REJECTED_BATCH, (sql) =>
      sql.run(
        `DELETE FROM rejected_payloads WHERE (tenant_id, id) IN (
         SELECT tenant_id, id FROM rejected_payloads WHERE received_at_us < ? LIMIT ${REJECTED_BATCH})`,
        [rejectedCutoff],
      ),
    );
    const events = await this.job.inBatches(this.transactions, EVENTS_BATCH, (sql) =>
      sql.run(
        `DELETE FROM alert_events WHERE (tenant_id, alert_id, at_us, id) IN (
         SELECT e.tenant_id, e.alert_id, e.at_us, e.id FROM alert_events e
         JOIN alerts a ON a.tenant_id = e.tenant_id AND a.id = e.alert_id
         WHERE e.at_us < ? AND (e.kind = 'occurrence' OR (a.status = 'resolved' AND a.resolved_at_us < ?))
         LIMIT ${EVENTS_BATCH})`,
        [eventsCutoff, eventsCutoff],
      ),
    );
    if (rejected || events)
      this.logger.info(
        {
          rejected,
          events,
          rejectedDays: this.config.ALERT_REJECTED_RETENTION_DAYS,
          eventsDays: this.config.ALERT_EVENTS_RETENTION_DAYS,
        },
        'alert rows past retention deleted',
      );
    return { rejected, events };
  }
}
