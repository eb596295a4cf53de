import type { Actor, Envelope, EventOf, EventPayload, RoutingKey } from '@vigil/contracts';
import { currentMessageContext, type Logger, type MessageBroker } from '@vigil/messaging';
import type { DataSource, EntityManager } from 'typeorm';
import { dialectOf } from '../data-source.js';
import { isDatabaseUnavailable } from '../health/database-unavailable.js';
import { sqlOf, type Sql } from '../sql.js';
import type { Dialect } from '../types.js';
import { runAsPlatform, runScoped, type EnterTenant } from '../tenancy/index.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import { claimEnvelopes, pruneInbox } from './inbox.js';
import { OutboxEntry } from './outbox-entry.entity.js';
import { OutboxRelay, outboxInsert, outboxRecordOf, type OutboxRecord } from './outbox.js';

/** Who caused an event, when it is not the message being handled. */
export interface EmitOptions {
  actor?: Actor;
  correlationId?: string;
  /** The envelope that caused it: its correlation id and actor are the defaults (batch handlers). */
  cause?: Envelope<object>;
}

/** One transaction in one tenant's scope, as a handler or a service sees it. */
export interface Tx {
  readonly tenantId: string;
  /**
   * Queries with `?` placeholders in both dialects. Its `insertAll` also writes the events emitted
   * so far, in the same statement (one round trip fewer for a handler that emits, then writes).
   */
  readonly sql: Sql;
  /** TypeORM's view of the same transaction (repositories, query builders). */
  readonly manager: EntityManager;
  /** Writes an event to the outbox in this transaction; it is published once the transaction commits. */
  emit<K extends RoutingKey>(type: K, payload: EventPayload<K>, options?: EmitOptions): void;
  /** The same for an event the domain rules drafted as `{ type, payload }`. */
  emitEvent(event: EventOf, options?: EmitOptions): void;
}

/** A platform transaction: every tenant's rows, no inbox, no outbox. */
export interface PlatformTx {
  readonly sql: Sql;
  readonly manager: EntityManager;
}

/** What a consumer gets for an envelope it already handled (a redelivery): the handler did not run. */
export const DUPLICATE: unique symbol = Symbol('duplicate envelope');
export type Duplicate = typeof DUPLICATE;

/** Anything that carries the envelope being handled (the bus's BusContext does). */
export interface EnvelopeSource {
  getEnvelope(): Envelope<object>;
}

export interface TransactionsOptions {
  /** The consuming service: its inbox records envelopes under this name; its events carry it as app id. */
  service: string;
  broker: Pick<MessageBroker, 'publish'> & Partial<Pick<MessageBroker, 'isConnected'>>;
  logger: Logger;
  /** How often the relay publishes outbox rows left behind (broker down, crash). */
  outboxSweepMs: number;
  /** Inbox rows older than this are deleted; redeliveries come within minutes, not days. */
  inboxRetentionDays: number;
  /** How often the inbox is pruned (default hourly). */
  inboxPruneEveryMs?: number;
}

export interface BatchOptions<P> extends BatcherOptions {
  /** The weight of one envelope toward maxWeight (default 1), e.g. its number of alerts. */
  weigh?(envelope: Envelope<P>): number;
  /**
   * Batches written at the same time (default 1), each for its own share of the tenants: a tenant's
   * envelopes always go to the same lane, in order, so lanes never wait on each other's locks and
   * the database can use more than one core.
   */
  lanes?: number;
}

/** Submits envelopes to a batched handler; each caller waits for the commit of its own batch. */
export interface BatchConsumer<P, R> {
  consume(source: EnvelopeSource | Envelope<P>): Promise<R | Duplicate>;
  close(): Promise<void>;
}

const PRUNE_BATCH = 5_000;
const DAY_MS = 24 * 60 * 60 * 1000;

function envelopeOf<P>(source: EnvelopeSource | Envelope<P>): Envelope<P> {
  return ('getEnvelope' in source ? source.getEnvelope() : source) as Envelope<P>;
}

/**
 * The one way a service changes its data: a transaction scoped to a tenant, with an outbox for the
 * events the change causes. For a consumed event the same transaction first claims the envelope id
 * in the inbox, so a redelivery changes nothing, and the handler returns (and the bus acks) only
 * after the commit. Then the relay publishes the outbox with confirms. See docs/architecture.md,
 * "Reliable messaging".
 */
export class Transactions {
  readonly relay: OutboxRelay;
  readonly dialect: Dialect;
  private readonly hasOutbox: boolean;
  private readonly batchers = new Set<{ close(): Promise<void> }>();
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly dataSource: DataSource,
    private readonly options: TransactionsOptions,
  ) {
    this.relay = new OutboxRelay(dataSource, options.broker, {
      service: options.service,
      sweepMs: options.outboxSweepMs,
      logger: options.logger,
    });
    this.hasOutbox = dataSource.hasMetadata(OutboxEntry);
    this.dialect = dialectOf(dataSource);
  }

  /** Nest calls it once the app is up (PersistenceModule provides this class to every service with a database). */
  onApplicationBootstrap(): void {
    this.start();
  }

  /** Starts the relay's sweep and the inbox pruning (both on unref'd timers). */
  start(): void {
    if (this.hasOutbox) this.relay.start();
    this.pruneTimer ??= setInterval(
      () =>
        void this.pruneInbox().catch((err: unknown) =>
          this.options.logger.warn({ err }, 'inbox prune failed; will try again'),
        ),
      this.options.inboxPruneEveryMs ?? 3_600_000,
    );
    this.pruneTimer.unref();
  }

  /** Flushes the batches, waits for the publishes under way, stops the timers. */
  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
    await Promise.all([...this.batchers].map((b) => b.close()));
    await this.relay.stop();
  }

  /** One transaction in `tenantId`'s scope (RPC handlers, services). */
  inTenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run(async (manager, enter, outbox) => {
      await enter(tenantId);
      const tx = this.tx(manager, tenantId, outbox, undefined);
      const result = await work(tx);
      await this.flushOutbox(manager, outbox);
      return result;
    });
  }

  /**
   * One transaction over every tenant's rows, for the few platform operations (sign-in by email,
   * bootstrap, a credential looked up by its hash, a probe filtered by tenant explicitly): named so
   * that it stands out in review.
   */
  asPlatform<T>(work: (tx: PlatformTx) => Promise<T>): Promise<T> {
    return runAsPlatform(this.dataSource, (manager) => work({ sql: sqlOf(manager, this.dialect), manager }));
  }

  /**
   * Handles one consumed envelope: claim its id, run `work` in the envelope's tenant, write its
   * events, commit. A redelivered envelope returns DUPLICATE without running `work`.
   */
  consume<T>(source: EnvelopeSource | Envelope<object>, work: (tx: Tx) => Promise<T>): Promise<T | Duplicate> {
    return this.runBatch([envelopeOf(source)], async (tx) => [await work(tx)]).then(([result]) => result!);
  }

  /**
   * A consumer that handles envelopes in batches: those submitted within `maxDelayMs` (or until
   * `maxWeight`) share one transaction — one inbox claim, then `work` once per tenant in that
   * tenant's scope (tenants in a fixed order, so two replicas lock them in the same order), one
   * commit. `work` returns one result per envelope it was given. When a batch fails, its envelopes
   * are retried one transaction each, so one poison message fails (and is retried) alone; unless the
   * database could not be reached, which fails them all.
   */
  batched<P extends object, R>(
    options: BatchOptions<P>,
    work: (tx: Tx, envelopes: Envelope<P>[]) => Promise<R[]>,
  ): BatchConsumer<P, R> {
    type Settled = R | Duplicate | Error;
    const flush = async (envelopes: Envelope<P>[]): Promise<Settled[]> => {
      try {
        return await this.runBatch(envelopes, work);
      } catch (error) {
        // A database that cannot be reached (or a locked SQLite file) fails each of them alike: they
        // all wait for it, instead of each trying alone (one busy timeout after another).
        if (envelopes.length === 1 || isDatabaseUnavailable(error)) return envelopes.map(() => asError(error));
        this.options.logger.warn(
          { err: error, messages: envelopes.length },
          'batch failed; handling its messages one by one',
        );
        const settled: Settled[] = [];
        for (const envelope of envelopes)
          settled.push(await this.runBatch([envelope], work).then((r) => r[0]!, asError));
        return settled;
      }
    };
    const lanes = Array.from(
      { length: Math.max(1, Math.trunc(options.lanes ?? 1)) },
      () => new Batcher<Envelope<P>, Settled>(flush, options),
    );
    for (const lane of lanes) this.batchers.add(lane);
    return {
      consume: async (source) => {
        const envelope = envelopeOf(source) as Envelope<P>;
        const lane = lanes[laneOf(envelope.tenantId, lanes.length)]!;
        const result = await lane.submit(envelope, options.weigh?.(envelope) ?? 1);
        if (result instanceof Error) throw result;
        return result;
      },
      close: async () => void (await Promise.all(lanes.map((lane) => lane.close()))),
    };
  }

  /** Deletes inbox rows past their retention, a few thousand per statement; returns how many. */
  async pruneInbox(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.options.inboxRetentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const deleted = await this.asPlatform(({ sql }) => pruneInbox(sql, before, PRUNE_BATCH));
      total += deleted;
      if (deleted < PRUNE_BATCH) return total;
    }
  }

  private async runBatch<P extends object, R>(
    envelopes: Envelope<P>[],
    work: (tx: Tx, envelopes: Envelope<P>[]) => Promise<R[]>,
  ): Promise<(R | Duplicate)[]> {
    return this.run(async (manager, enter, outbox) => {
      const sql = sqlOf(manager, this.dialect);
      const claimed = await claimEnvelopes(
        sql,
        this.options.service,
        envelopes.map((e) => e.id),
      );
      // The first copy of each claimed id runs; later copies (in this batch or before it) are duplicates.
      const byTenant = new Map<string, number[]>();
      envelopes.forEach((envelope, index) => {
        if (!claimed.delete(envelope.id.toLowerCase())) return;
        const list = byTenant.get(envelope.tenantId);
        if (list) list.push(index);
        else byTenant.set(envelope.tenantId, [index]);
      });
      const results: (R | Duplicate)[] = envelopes.map(() => DUPLICATE);
      for (const tenantId of [...byTenant.keys()].sort()) {
        const indexes = byTenant.get(tenantId)!;
        await enter(tenantId);
        const group = indexes.map((i) => envelopes[i]!);
        // A lone envelope is what caused the events its work emits (correlation id, actor).
        const out = await work(this.tx(manager, tenantId, outbox, group.length === 1 ? group[0] : undefined), group);
        if (out.length !== indexes.length)
          throw new Error(`batch handler returned ${out.length} results for ${indexes.length} envelopes`);
        indexes.forEach((i, k) => (results[i] = out[k]!));
        // Written while still in this tenant's scope (the outbox is tenant-scoped too).
        await this.flushOutbox(manager, outbox);
      }
      return results;
    });
  }

  /** A transaction with an outbox: the records it wrote are dispatched once it committed. */
  private async run<T>(
    work: (manager: EntityManager, enter: EnterTenant, outbox: PendingOutbox) => Promise<T>,
  ): Promise<T> {
    const outbox: PendingOutbox = { pending: [], written: [] };
    const result = await runScoped(this.dataSource, (manager, enter) => work(manager, enter, outbox));
    this.relay.dispatch(outbox.written);
    return result;
  }

  private tx(manager: EntityManager, tenantId: string, outbox: PendingOutbox, cause: Envelope<object> | undefined): Tx {
    const base = sqlOf(manager, this.dialect);
    const sql: Sql = {
      ...base,
      insertAll: async (inserts) => {
        const events = outbox.pending;
        outbox.pending = [];
        await base.insertAll(events.length ? [...inserts, outboxInsert(events)] : inserts);
        outbox.written.push(...events);
      },
    };
    const tx: Tx = {
      tenantId,
      sql,
      manager,
      emit: (type, payload, options) => tx.emitEvent({ type, payload } as EventOf, options),
      emitEvent: (event, options = {}) => {
        if (!this.hasOutbox)
          throw new Error(
            `${this.options.service} has no outbox table: list OutboxEntry among its entities and create it in a migration`,
          );
        const origin = options.cause ?? cause;
        const correlationId = options.correlationId ?? origin?.correlationId ?? currentMessageContext()?.correlationId;
        const actor = options.actor ?? origin?.actor;
        outbox.pending.push(outboxRecordOf(tenantId, event, correlationId, actor));
      },
    };
    return tx;
  }

  private async flushOutbox(manager: EntityManager, outbox: PendingOutbox): Promise<void> {
    if (outbox.pending.length === 0) return;
    await sqlOf(manager, this.dialect).insertAll([outboxInsert(outbox.pending)]);
    outbox.written.push(...outbox.pending);
    outbox.pending = [];
  }
}

interface PendingOutbox {
  pending: OutboxRecord[];
  written: OutboxRecord[];
}

/** A tenant's lane: a stable hash (FNV-1a) of its id. */
export function laneOf(tenantId: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) hash = Math.imul(hash ^ tenantId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/**
 * A failure as an Error of this realm (a batch tells results from failures by instanceof); a wrapped
 * one keeps the original as its cause, whose code says whether the database was unreachable.
 */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error), { cause: error });
}
