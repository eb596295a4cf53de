import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@vigil/messaging';
import { Transactions, type Dialect } from '@vigil/persistence';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_CONFIG } from '../common/tokens.js';
import type { UserConfig } from '../user.config.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const EVERY_MS = HOUR_MS;
/** The first pass waits a little, so a starting service answers before it deletes. */
const FIRST_PASS_MS = 60_000;
/** Rows deleted per statement, one short transaction each. */
export const RETENTION_BATCH = 2000;
/** Pause between batches, so sign-ins' transactions go first. */
const PAUSE_MS = 50;

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
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Purged> | undefined;
  private stopped = false;

  constructor(
    private readonly transactions: Transactions,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const pass = () => {
      this.running ??= this.purge()
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'the user retention pass failed; will try again');
          return { audit: 0, loginAttempts: 0 };
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

  /** Deletes what is past retention at `now`; returns how many rows of each went. */
  async purge(now: Date = new Date(this.clock())): Promise<Purged> {
    const dialect = this.transactions.dialect;
    const auditCutoff = new Date(now.getTime() - this.config.AUDIT_RETENTION_DAYS * DAY_MS);
    const keptMs = this.config.LOGIN_ATTEMPTS_RETENTION_HOURS * HOUR_MS;
    const lockCutoff = new Date(now.getTime() - keptMs);
    const windowCutoff = new Date(lockCutoff.getTime() - this.config.LOGIN_FAILURE_WINDOW_SECONDS * 1000);
    const audit = await this.inBatches(
      `DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ${RETENTION_BATCH})`,
      [timestampParam(dialect, auditCutoff)],
    );
    const loginAttempts = await this.inBatches(
      `DELETE FROM login_attempts WHERE "key" IN (
         SELECT "key" FROM login_attempts
         WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?) LIMIT ${RETENTION_BATCH})`,
      [timestampParam(dialect, windowCutoff), timestampParam(dialect, lockCutoff)],
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

  /** Runs the DELETE (at most RETENTION_BATCH rows) until it deletes fewer; a platform transaction each. */
  private async inBatches(statement: string, params: unknown[]): Promise<number> {
    let deleted = 0;
    while (!this.stopped) {
      const count = await this.transactions.asPlatform(({ sql }) => sql.run(statement, params));
      deleted += count;
      if (count < RETENTION_BATCH) break;
      await sleep(PAUSE_MS);
    }
    return deleted;
  }
}

/** A time as TypeORM stores a `Date` column: timestamptz on PostgreSQL, UTC datetime text on SQLite. */
function timestampParam(dialect: Dialect, at: Date): Date | string {
  return dialect === 'postgres' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
}
