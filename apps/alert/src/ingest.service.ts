import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from '@vigil/observability';
import { LOGGER } from '@vigil/runtime';
import { ALERT_CONFIG, type AlertConfig } from './alert.config.js';
import { Batcher } from './domain/batcher.js';
import { IngestStore, type IngestMessage, type IngestResult } from './store/ingest.store.js';
import { OutboxRelay } from './store/outbox.js';

type Settled = IngestResult | Error;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Ingest in micro-batches: each `ingest.alerts.received` handler submits its message and waits;
 * the batcher writes up to ALERT_BATCH_MAX_ALERTS alerts (or whatever arrived within
 * ALERT_BATCH_FLUSH_MS) in one transaction, then every waiting handler returns and its message is
 * acked — only after the commit. If a batch fails, its messages are retried one transaction each,
 * so one poison message fails (and is retried, then dead-lettered) alone.
 */
@Injectable()
export class IngestService implements OnApplicationShutdown {
  private readonly batcher: Batcher<IngestMessage, Settled>;

  constructor(
    private readonly store: IngestStore,
    private readonly relay: OutboxRelay,
    @Inject(ALERT_CONFIG) config: AlertConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.batcher = new Batcher((messages) => this.flush(messages), {
      maxWeight: config.ALERT_BATCH_MAX_ALERTS,
      maxDelayMs: config.ALERT_BATCH_FLUSH_MS,
    });
  }

  async ingest(message: IngestMessage): Promise<IngestResult> {
    const result = await this.batcher.submit(message, message.alerts.length);
    if (result instanceof Error) throw result;
    return result;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.batcher.close();
  }

  private async flush(messages: IngestMessage[]): Promise<Settled[]> {
    try {
      return await this.writeAndPublish(messages);
    } catch (error) {
      if (messages.length === 1) return [asError(error)];
      this.logger.warn(
        { err: error, messages: messages.length },
        'ingest batch failed; writing its messages one by one',
      );
      const settled: Settled[] = [];
      for (const message of messages) settled.push(await this.writeAndPublish([message]).then((r) => r[0]!, asError));
      return settled;
    }
  }

  private async writeAndPublish(messages: IngestMessage[]): Promise<IngestResult[]> {
    const written = await this.store.write(messages);
    this.relay.dispatch(written.outbox);
    return written.results;
  }
}
