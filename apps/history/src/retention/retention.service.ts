import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { nowMicros } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { setTimeout as sleep } from 'node:timers/promises';
import { HISTORY_CONFIG, type HistoryConfig } from '../history.config.js';

const DAY_US = 86_400_000_000n;
const EVERY_MS = 3_600_000;
/** The first pass waits a little, so a starting service consumes before it deletes. */
const FIRST_PASS_MS = 60_000;
/** Sessions deleted per transaction (with their steps): short transactions, never a long lock. */
export const RETENTION_BATCH = 200;
/** Pause between batches, so consumers' transactions go first. */
const PAUSE_MS = 50;

/**
 * HISTORY_RETENTION_DAYS: every hour, sessions that ended (or, never ended, last heard of) more than
 * that many days ago are deleted with their LLM and MCP steps, a small batch per transaction.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly transactions: Transactions,
    @Inject(HISTORY_CONFIG) private readonly config: HistoryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const pass = () => {
      this.running ??= this.purge()
        .catch((err: unknown) => {
          this.logger.warn({ err }, 'the history retention pass failed; will try again');
          return 0;
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

  /** Deletes what is past retention at `nowUs`; returns how many sessions went. */
  async purge(nowUs: bigint = nowMicros()): Promise<number> {
    // A number, not text: SQLite compares an integer column with text as always smaller (µs fit in 2^53).
    const cutoff = Number(nowUs - BigInt(this.config.HISTORY_RETENTION_DAYS) * DAY_US);
    let deleted = 0;
    while (!this.stopped) {
      const count = await this.transactions.asPlatform(async ({ sql }) => {
        const sessions = await sql.query<{ tenant_id: string; session_id: string }>(
          `SELECT tenant_id, session_id FROM history_sessions
           WHERE COALESCE(completed_at_us, updated_at_us) < ? LIMIT ${RETENTION_BATCH}`,
          [cutoff],
        );
        if (sessions.length === 0) return 0;
        const keys = sessions.map(() => '(tenant_id = ? AND session_id = ?)').join(' OR ');
        const values = sessions.flatMap((s) => [s.tenant_id, s.session_id]);
        for (const table of ['history_llm_interactions', 'history_mcp_interactions', 'history_sessions'])
          await sql.run(`DELETE FROM ${table} WHERE ${keys}`, values);
        return sessions.length;
      });
      deleted += count;
      if (count < RETENTION_BATCH) break;
      await sleep(PAUSE_MS);
    }
    if (deleted)
      this.logger.info({ deleted, days: this.config.HISTORY_RETENTION_DAYS }, 'history past retention deleted');
    return deleted;
  }
}
