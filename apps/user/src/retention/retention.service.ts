import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@vigil/messaging';
import { ScheduledPurge, Transactions, type Dialect } from '@vigil/persistence';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { USER_CONFIG } from '../common/tokens.js';
import type { UserConfig } from '../user.config.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Rows deleted per statement, one short transaction each. */
export const RETENTION_BATCH = 2000;

export interface Purged {
  audit: number;
  loginAttempts: number;
}

/**
 * Every hour (the first time a minute after start), across tenants, a batch per transaction:
 * - audit log entries older than AUDIT_RETENTION_DAYS;
 * - sign-in throttling records (login_attempts) whose failure window (LOGIN_FAILURE_WINDOW_SECONDS
 *   from its first failure) and lock, if any, both ended more than LOGIN_ATTEMPTS_RETENTION_HOURS
 *   ago: such a record no longer counts for anything (the next failure starts a new window).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: ScheduledPurge;

  constructor(
    private readonly transactions: Transactions,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.job = new ScheduledPurge('user', () => this.purge(), logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes what is past retention at `now`; returns how many rows of each went. */
  async purge(now: Date = new Date(this.clock())): Promise<Purged> {
    const dialect = this.transactions.dialect;
    const auditCutoff = new Date(now.getTime() - this.config.AUDIT_RETENTION_DAYS * DAY_MS);
    const keptMs = this.config.LOGIN_ATTEMPTS_RETENTION_HOURS * HOUR_MS;
    const lockCutoff = new Date(now.getTime() - keptMs);
    const windowCutoff = new Date(lockCutoff.getTime() - this.config.LOGIN_FAILURE_WINDOW_SECONDS * 1000);
    const audit = await this.job.inBatches(this.transactions, RETENTION_BATCH, (sql) =>
      sql.run(`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ${RETENTION_BATCH})`, [
        timestampParam(dialect, auditCutoff),
      ]),
    );
    const loginAttempts = await this.job.inBatches(this.transactions, RETENTION_BATCH, (sql) =>
      sql.run(
        `DELETE FROM login_attempts WHERE "key" IN (
         SELECT "key" FROM login_attempts
         WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?) LIMIT ${RETENTION_BATCH})`,
        [timestampParam(dialect, windowCutoff), timestampParam(dialect, lockCutoff)],
      ),
    );
    if (audit || loginAttempts)
      this.logger.info(
        {
          audit,
          loginAttempts,
          auditDays: this.config.AUDIT_RETENTION_DAYS,
          loginAttemptsHours: this.config.LOGIN_ATTEMPTS_RETENTION_HOURS,
        },
        'user rows past retention deleted',
      );
    return { audit, loginAttempts };
  }
}

/** A time as TypeORM stores a `Date` column: timestamptz on PostgreSQL, UTC datetime text on SQLite. */
function timestampParam(dialect: Dialect, at: Date): Date | string {
  return dialect === 'postgres' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
}
