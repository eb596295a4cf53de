import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@vigil/messaging';
import type { Sql } from '../sql.js';
import type { Transactions } from './transactions.js';

const EVERY_MS = 3_600_000;
/** The first pass waits a little, so a starting service does its own work before it deletes. */
const FIRST_PASS_MS = 60_000;
/** Pause between batches, so the service's own transactions go first. */
const PAUSE_MS = 50;

/**
 * A service's retention job: `purge` every hour, the first time a minute after start, one pass at a
 * time, never throwing (a failed pass is logged and the next one tries again). `stop()` ends the
 * batches under way at their next boundary and waits for the pass.
 */
export class ScheduledPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private halted = false;

  constructor(
    private readonly what: string,
    private readonly purge: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** True once stop() was called: batches in progress end at their next boundary. */
  get stopped(): boolean {
    return this.halted;
  }

  start(): void {
    const pass = () => {
      this.running ??= this.purge()
        .catch((err: unknown) => this.logger.warn({ err }, `the ${this.what} retention pass failed; will try again`))
        .finally(() => (this.running = undefined));
    };
    this.timer = setTimeout(() => {
      pass();
      this.timer = setInterval(pass, EVERY_MS);
      this.timer.unref();
    }, FIRST_PASS_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.halted = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }

  /**
   * Runs `work` (which deletes at most `batch` rows and says how many) in a platform transaction
   * each, until it deletes fewer than `batch` or the job is stopped; returns the rows deleted.
   */
  async inBatches(transactions: Transactions, batch: number, work: (sql: Sql) => Promise<number>): Promise<number> {
    let deleted = 0;
    while (!this.halted) {
      const count = await transactions.asPlatform(({ sql }) => work(sql));
      deleted += count;
      if (count < batch) break;
      await sleep(PAUSE_MS);
    }
    return deleted;
  }
}
