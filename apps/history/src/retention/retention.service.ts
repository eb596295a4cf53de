import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { nowMicros } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { ScheduledPurge, Transactions } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { HISTORY_CONFIG, type HistoryConfig } from '../history.config.js';

const DAY_US = 86_400_000_000n;
/** Sessions deleted per transaction (with their steps): short transactions, never a long lock. */
export const RETENTION_BATCH = 200;

/**
 * HISTORY_RETENTION_DAYS: every hour, sessions that ended (or, never ended, last heard of) more than
 * that many days ago are deleted with their LLM and MCP steps, a small batch per transaction.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: ScheduledPurge;

  constructor(
    private readonly transactions: Transactions,
    @Inject(HISTORY_CONFIG) private readonly config: HistoryConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.job = new ScheduledPurge('history', () => this.purge(), logger);
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes what is past retention at `nowUs`; returns how many sessions went. */
  async purge(nowUs: bigint = nowMicros()): Promise<number> {
    // A number, not text: SQLite compares an integer column with text as always smaller (µs fit in 2^53).
    const cutoff = Number(nowUs - BigInt(this.config.HISTORY_RETENTION_DAYS) * DAY_US);
    const deleted = await this.job.inBatches(this.transactions, RETENTION_BATCH, async (sql) => {
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
    if (deleted)
      this.logger.info({ deleted, days: this.config.HISTORY_RETENTION_DAYS }, 'history past retention deleted');
    return deleted;
  }
}
