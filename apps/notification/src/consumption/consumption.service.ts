import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Envelope } from '@vigil/contracts';
import { Transactions, type BatchConsumer, type Duplicate, type EnvelopeSource, type Tx } from '@vigil/persistence';
import { CLOCK, type Clock } from '@vigil/runtime';
import { DeliveryStore } from '../deliveries/delivery.store.js';
import { DeliveryWorker } from '../deliveries/delivery.worker.js';
import { ENGINE_OPTIONS, type EngineOptions } from '../deliveries/engine-options.js';
import { NOTIFICATION_SETTINGS, type NotificationSettings } from '../deliveries/settings.js';
import { alertChangeOf, type ConsumedPayload } from '../engine/index.js';
import { finishPlan, newPlan, planChange, routeMatchers } from './planner.js';

/** Envelopes written in one transaction at most, and how long the first one waits for others. */
const BATCH_MAX_EVENTS = 200;
const BATCH_FLUSH_MS = 5;

/**
 * Consumes the alert service's alert.* events: each batch claims its envelope ids in the inbox and
 * plans the deliveries of every change (rows, see planChange) in one transaction per tenant; the
 * worker sends them after the commit. A redelivered event plans nothing again.
 */
@Injectable()
export class ConsumptionService implements OnModuleInit {
  private consumer!: BatchConsumer<ConsumedPayload, number>;

  constructor(
    private readonly transactions: Transactions,
    private readonly store: DeliveryStore,
    private readonly worker: DeliveryWorker,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
  ) {}

  onModuleInit(): void {
    this.consumer = this.transactions.batched<ConsumedPayload, number>(
      { maxWeight: BATCH_MAX_EVENTS, maxDelayMs: BATCH_FLUSH_MS },
      (tx, envelopes) => this.plan(tx, envelopes),
    );
  }

  async consume(source: EnvelopeSource): Promise<number | Duplicate> {
    const planned = await this.consumer.consume(source);
    // Committed: the worker looks now rather than at its next tick.
    if (typeof planned === 'number' && planned > 0) this.worker.wakeToSend();
    return planned;
  }

  private async plan(tx: Tx, envelopes: Envelope<ConsumedPayload>[]): Promise<number[]> {
    const routes = await this.settings.routes(tx.sql, tx.tenantId);
    const ctx = newPlan({
      sql: tx.sql,
      tenantId: tx.tenantId,
      routes,
      matchers: routeMatchers(),
      nowMs: this.clock(),
      ...(this.options.publicUrl && { publicUrl: this.options.publicUrl }),
    });
    const planned: number[] = [];
    for (const envelope of envelopes) {
      const change = alertChangeOf(envelope.type, envelope.payload);
      planned.push(await planChange(ctx, this.store, this.settings, envelope.id, change, envelope.payload.alert));
    }
    await finishPlan(ctx, this.store);
    await finishPlan(ctx, this.store);
    return planned;
  }
}
