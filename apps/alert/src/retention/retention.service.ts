import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { nowMicros } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { ALERT_CONFIG, type AlertConfig } from '../alert.config.js';

const DAY_US = 86_400_000_000n;
const EVERY_MS = 3_600_000;
/** The first pass waits a little, so a starting service consumes before it deletes. */
const FIRST_PASS_MS = 60_000;
/** Rows deleted per statement (one short transaction each): rejected bodies are large, timeline rows small. */
export const REJECTED_BATCH = 500;
export const EVENTS_BATCH = 2000;
/** Pause between batches, so ingest's transactions go first. */
const PAUSE_MS = 50;

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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Purged> | undefined;
  private stopped = false;

  constructor(
    private readonly transactions: Transactions,
    @Inject(ALERT_CONFIG) private readonly config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const pass = () => {
      this.running ??= this.purge()
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'the alert retention pass failed; will try again');
          return { rejected: 0, events: 0 };
        })
        .finally(() => (this.running = undefined));
    };
    this.timer = setTimeout(() => {
      pass();
      this.timer = setInterval(pass, EVERY_MS);
      this.timer.unref();
    }, FIRST_PASS_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes what is past retention at `nowUs`; returns how many rows of each went. */
  async purge(nowUs: bigint = nowMicros()): Promise<Purged> {
    // Numbers, not text: SQLite compares an integer column with text as always smaller (µs fit in 2^53).
    const rejectedCutoff = Number(nowUs - BigInt(this.config.ALERT_REJECTED_RETENTION_DAYS) * DAY_US);
    const eventsCutoff = Number(nowUs - BigInt(this.config.ALERT_EVENTS_RETENTION_DAYS) * DAY_US);
    const rejected = await this.inBatches(
      REJECTED_BATCH,
      `DELETE FROM rejected_payloads WHERE (tenant_id, id) IN (
         SELECT tenant_id, id FROM rejected_payloads WHERE received_at_us < ? LIMIT ${REJECTED_BATCH})`,
      [rejectedCutoff],
    );
    const events = await this.inBatches(
      EVENTS_BATCH,
      `DELETE FROM alert_events WHERE (tenant_id, alert_id, at_us, id) IN (
         SELECT e.tenant_id, e.alert_id, e.at_us, e.id FROM alert_events e
         JOIN alerts a ON a.tenant_id = e.tenant_id AND a.id = e.alert_id
         WHERE e.at_us < ? AND (e.kind = 'occurrence' OR (a.status = 'resolved' AND a.resolved_at_us < ?))
         LIMIT ${EVENTS_BATCH})`,
      [eventsCutoff, eventsCutoff],
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

  /** Runs the DELETE (at most `batch` rows) until it deletes fewer; a platform transaction each. */
  private async inBatches(batch: number, statement: string, params: unknown[]): Promise<number> {
    let deleted = 0;
    while (!this.stopped) {
      const count = await this.transactions.asPlatform(({ sql }) => sql.run(statement, params));
      deleted += count;
      if (count < batch) break;
      await sleep(PAUSE_MS);
    }
    return deleted;
  }
}
