import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RoutingKeys, type AlertSnapshot, type ChannelType } from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions, type Sql, type Tx } from '@vigil/persistence';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { v7 as uuidv7 } from 'uuid';
import { QUIET_BUCKET, groupStateOf, storedGroupOf } from '../consumption/planner.js';
import {
  afterFailure,
  dueStep,
  flushGroup,
  heldUntil,
  messageFor,
  ROLLUP_LISTED,
  severityRank,
  SLACK_PACE_MS,
  timingOf,
  type EscalationState,
} from '../engine/index.js';
import {
  DeliveryError,
  type MessageAlert,
  type Providers,
  type SendResult,
  type ThreadRef,
} from '../providers/index.js';
import { messageAlertOf, updatesFirstMessage, type StoredContent } from './content.js';
import { NO_ROUTE } from './delivery.entity.js';
import { DeliveryStore, type Delivery, type NewDelivery, type Thread } from './delivery.store.js';
import { ENGINE_OPTIONS, NOTIFICATION_PROVIDERS, type EngineOptions } from './engine-options.js';
import { NOTIFICATION_SETTINGS, type ChannelInfo, type NotificationSettings } from './settings.js';

const US_PER_MS = 1_000;
/** Deliveries one claim takes; a full claim is followed by another at once. */
const CLAIM_LIMIT = 100;
/** Claims sent at the same time. */
const SEND_LANES = 4;
/** Groups, escalations and held buckets looked at per pass. */
const DUE_LIMIT = 100;
/** A claim's lease: longer than a provider's timeout, so only a stopped worker's claims run out. */
const LEASE_MS = 120_000;
/** Sends under way at once per pass. */
const SEND_CONCURRENCY = 32;
/** How long an opened channel is used before it is read again, and how many are kept. */
const CHANNEL_CACHE_MS = 5_000;
const CHANNEL_CACHE_MAX = 10_000;
/** Alerts listed one by one in a group or digest message; the rest are counted. */
const LISTED = 50;

/** One message to send: a delivery (maybe a roll-up of several) and where it goes. */
interface Unit {
  delivery: Delivery;
  content: StoredContent;
  channel: ChannelInfo;
  thread?: ThreadRef;
  update: boolean;
}

interface Outcome {
  unit: Unit;
  startedAtMs: number;
  durationMs: number;
  result?: SendResult;
  error?: { message: string; kind: 'transient' | 'permanent'; providerResponse?: unknown; retryAfterMs?: number };
}

/**
 * Sends what the consumer planned, driven from the database so a restart loses nothing: each pass
 * flushes the groups that are due, runs due escalation steps, turns the messages held by quiet
 * hours into digests, then claims the due deliveries (PostgreSQL: SKIP LOCKED, so replicas share
 * them; a claim is a lease) and sends them through the providers, with no transaction open. Each
 * attempt is recorded with its outcome; a transient failure is retried with backoff, a permanent one
 * fails the delivery, marks the channel unhealthy and sends the route's email fallback. Slack
 * channels get at most one message a second: what waits meanwhile goes out as one roll-up.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly channelCache = new Map<string, { info: ChannelInfo; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The send lanes under way, and whether a pass is in its sending phase (lanes may be started). */
  private readonly lanes = new Set<Promise<void>>();
  private sending = false;
  private again: 'full' | 'send' | null = null;
  private stopped = false;

  constructor(
    private readonly transactions: Transactions,
    private readonly store: DeliveryStore,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(NOTIFICATION_PROVIDERS) private readonly providers: Providers,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ENGINE_OPTIONS) private readonly options: EngineOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.timer.unref();
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // The providers are closed by the module that provides them.
    await this.running;
  }

  /** Runs a full pass now (or right after the one under way): groups, escalations, quiet hours, then sending. */
  wake(): void {
    this.schedule(true);
  }

  /** Sends what is due now (or right after the pass under way): new deliveries were just committed. */
  wakeToSend(): void {
    // While a pass is sending, its lanes take the new deliveries: start those that ended for want of work.
    if (this.sending) this.startLanes();
    this.schedule(false);
  }

  private schedule(full: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = this.again === 'full' || full ? 'full' : 'send';
      return;
    }
    this.running = this.pass(full)
      .catch((err: unknown) => this.logger.warn({ err }, 'notification pass failed; will try again'))
      .finally(() => {
        this.running = undefined;
        const again = this.again;
        this.again = null;
        if (again) this.schedule(again === 'full');
      });
  }

  /** Waits for the pass under way, if any (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** A full pass looks at groups, escalations and held messages first (each poll); every pass sends. */
  private async pass(full: boolean): Promise<void> {
    if (full) {
      await this.flushGroups();
      await this.runEscalations();
      await this.releaseHeld();
    }
    // Lanes claim and send side by side, so one slow provider answer does not hold back the next claim;
    // each goes on while it finds work, so what is committed meanwhile goes without waiting for the pass.
    this.sending = true;
    try {
      this.startLanes();
      while (this.lanes.size) await Promise.all([...this.lanes]);
    } finally {
      this.sending = false;
    }
  }

  /**
   * Up to SEND_LANES lanes. A lane ends when its claim finds nothing due (the others may have taken
   * it all); the next commit of deliveries starts it again (wakeToSend), so under a steady stream
   * every lane keeps sending, not only the one that happened to find work when the pass began.
   */
  private startLanes(): void {
    while (this.lanes.size < SEND_LANES && !this.stopped) {
      const lane: Promise<void> = (async () => {
        while (!this.stopped && (await this.sendDue()) > 0);
      })().finally(() => this.lanes.delete(lane));
      this.lanes.add(lane);
    }
  }

  // ---- groups, escalations, quiet hours --------------------------------------------------------

  private async flushGroups(): Promise<void> {
    const nowMs = this.clock();
    const due = await this.transactions.asPlatform(({ sql }) =>
      this.store.dueGroups(sql, nowMs * US_PER_MS, DUE_LIMIT),
    );
    for (const { tenantId, routeId, groupKey } of due)
      await this.transactions.inTenant(tenantId, async (tx) => {
        const stored = await this.store.lockGroup(tx.sql, tenantId, routeId, groupKey);
        if (!stored || stored.nextAtUs === null || stored.nextAtUs > nowMs * US_PER_MS) return;
        const route = (await this.settings.routes(tx.sql, tenantId)).find((r) => r.id === routeId);
        if (!route) {
          await this.store.deleteGroup(tx.sql, tenantId, routeId, groupKey);
          return;
        }
        const { message, next } = flushGroup(groupStateOf(stored), timingOf(route), nowMs);
        if (message) {
          const listed = message.alerts.slice(0, LISTED);
          const content: StoredContent = {
            kind: 'group',
            alerts: listed,
            ...(message.alerts.length > LISTED && { omitted: message.alerts.length - LISTED }),
          };
          const worst = message.alerts[0]!.severity;
          const held = heldUntil(route.quietHours, worst, nowMs);
          const waiting = await this.store.groupWaiting(tx.sql, tenantId, routeId, groupKey);
          for (const channelId of route.channelIds) {
            const parent = this.newDelivery(tenantId, {
              sourceKey: `group:${routeId}:${groupKey}:${stored.sent}`,
              routeId,
              channelId,
              alertId: null,
              kind: 'group',
              content,
              status: held === null ? 'pending' : 'held',
              groupKey: held === null ? groupKey : QUIET_BUCKET,
              nextAtMs: held ?? nowMs,
            });
            await this.store.insert(tx.sql, [parent]);
            const carried = waiting.filter((d) => d.channelId === channelId).map((d) => d.id);
            await this.store.markGrouped(tx.sql, tenantId, carried, parent.id, nowMs * US_PER_MS);
          }
        }
        if (next) await this.store.saveGroup(tx.sql, { ...stored, ...storedGroupOf(next) }, nowMs * US_PER_MS);
        else await this.store.deleteGroup(tx.sql, tenantId, routeId, groupKey);
      });
  }

  private async runEscalations(): Promise<void> {
    const nowMs = this.clock();
    const due = await this.transactions.asPlatform(({ sql }) =>
      this.store.dueEscalations(sql, nowMs * US_PER_MS, DUE_LIMIT),
    );
    for (const { tenantId, alertId, routeId } of due)
      await this.transactions.inTenant(tenantId, async (tx) => {
        const stored = await this.store.lockEscalation(tx.sql, tenantId, alertId, routeId);
        if (!stored || stored.stopped || stored.nextAtUs === null || stored.nextAtUs > nowMs * US_PER_MS) return;
        const policy = await this.settings.escalationPolicy(tx.sql, tenantId, stored.policyId);
        const state: EscalationState = {
          step: stored.step,
          round: stored.round,
          nextAt: Math.floor(stored.nextAtUs / US_PER_MS),
          stopped: null,
        };
        const { step, next } = policy
          ? dueStep(policy, state, nowMs)
          : { step: null, next: { ...state, nextAt: null, stopped: 'finished' as const } };
        if (step) {
          const alert = JSON.parse(stored.alert) as AlertSnapshot;
          const content: StoredContent = {
            kind: 'escalation',
            alerts: [messageAlertOf(alert, {}, this.options.publicUrl)],
            escalation: { step: step.step, repeat: step.repeat },
          };
          await this.store.insert(
            tx.sql,
            step.channelIds.map((channelId) =>
              this.newDelivery(tenantId, {
                sourceKey: `esc:${alertId}:${routeId}:${step.repeat}:${step.step}`,
                routeId,
                channelId,
                alertId,
                kind: 'escalation',
                content,
                status: 'pending',
                groupKey: null,
                nextAtMs: nowMs,
              }),
            ),
          );
          // The alert's timeline records each step (see docs/architecture.md, "Messages").
          tx.emit(RoutingKeys.AlertEscalated, {
            alert,
            level: step.step,
            reason: `escalation policy ${stored.policyId}: step ${step.step} of round ${step.repeat}, nobody acknowledged the alert`,
          });
        }
        await this.store.saveEscalation(
          tx.sql,
          {
            ...stored,
            step: next.step,
            round: next.round,
            nextAtUs: next.nextAt === null ? null : next.nextAt * US_PER_MS,
            stopped: next.stopped,
          },
          nowMs * US_PER_MS,
        );
      });
  }

  /** Held messages whose quiet period ended: one goes as it is, several as one digest. */
  private async releaseHeld(): Promise<void> {
    const nowMs = this.clock();
    const nowUs = nowMs * US_PER_MS;
    const due = await this.transactions.asPlatform(({ sql }) => this.store.dueHeld(sql, nowUs, DUE_LIMIT));
    for (const { tenantId, routeId, channelId } of due)
      await this.transactions.inTenant(tenantId, async (tx) => {
        const held = await this.store.lockHeld(tx.sql, tenantId, routeId, channelId, nowUs);
        if (held.length === 0) return;
        if (held.length === 1) {
          await this.store.makeDue(tx.sql, tenantId, [held[0]!.id], nowUs);
          return;
        }
        const alerts = latestAlerts(held);
        const digest = this.newDelivery(tenantId, {
          sourceKey: `digest:${held[0]!.id}`,
          routeId,
          channelId,
          alertId: null,
          kind: 'digest',
          content: {
            kind: 'digest',
            alerts: alerts.slice(0, LISTED),
            ...(alerts.length > LISTED && { omitted: alerts.length - LISTED }),
          },
          status: 'pending',
          groupKey: QUIET_BUCKET,
          nextAtMs: nowMs,
        });
        await this.store.insert(tx.sql, [digest]);
        await this.store.markGrouped(
          tx.sql,
          tenantId,
          held.map((d) => d.id),
          digest.id,
          nowUs,
        );
      });
  }

  // ---- sending ---------------------------------------------------------------------------------

  /** One claim of due deliveries, sent; returns how many were claimed. */
  private async sendDue(): Promise<number> {
    const nowMs = this.clock();
    const claimed = await this.transactions.asPlatform(({ sql }) =>
      this.store.claimDue(sql, nowMs * US_PER_MS, LEASE_MS * US_PER_MS, CLAIM_LIMIT),
    );
    const byTenant = new Map<string, Delivery[]>();
    for (const d of claimed) byTenant.set(d.tenantId, [...(byTenant.get(d.tenantId) ?? []), d]);
    // Each tenant alone: one whose channels cannot be opened keeps its deliveries leased (they come
    // back after the lease), and the others go on.
    const opened = await Promise.allSettled(
      [...byTenant].map(
        async ([tenantId, deliveries]) => [tenantId, await this.channelsOf(tenantId, deliveries)] as const,
      ),
    );
    const channels = new Map<string, Map<string, ChannelInfo>>();
    for (const result of opened)
      if (result.status === 'fulfilled') channels.set(...result.value);
      else this.logger.warn({ err: result.reason }, 'could not open the channels of a claim; will try again');
    // Without turns every Slack channel waits one interval; email goes on.
    const turns = await this.takeTurns(byTenant, channels).catch((err: unknown) => {
      this.logger.warn({ err }, "could not take the Slack channels' turns; they wait one interval");
      return new Map<string, Map<string, number>>();
    });
    await Promise.all(
      [...channels].map(([tenantId, open]) =>
        this.sendForTenant(tenantId, byTenant.get(tenantId)!, open, turns.get(tenantId) ?? new Map()),
      ),
    );
    return claimed.length;
  }

  private async sendForTenant(
    tenantId: string,
    deliveries: Delivery[],
    channels: Map<string, ChannelInfo>,
    turns: ReadonlyMap<string, number>,
  ): Promise<void> {
    const { units, writes } = this.prepare(tenantId, deliveries, channels, turns);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < units.length; i += SEND_CONCURRENCY)
      outcomes.push(...(await Promise.all(units.slice(i, i + SEND_CONCURRENCY).map((u) => this.send(tenantId, u)))));
    if (outcomes.length || writes.length)
      await this.transactions.inTenant(tenantId, async (tx) => {
        for (const write of writes) await write(tx.sql);
        await this.record(tx, outcomes);
      });
  }

  /**
   * The channels of a tenant's claimed deliveries, opened (secrets decrypted) at most every
   * CHANNEL_CACHE_MS: a changed or deleted channel is seen within seconds, and a busy tenant's
   * deliveries cost no read of its channels each.
   */
  private async channelsOf(tenantId: string, deliveries: readonly Delivery[]): Promise<Map<string, ChannelInfo>> {
    const now = performance.now();
    const ids = [...new Set(deliveries.map((d) => d.channelId))];
    const found = new Map<string, ChannelInfo>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.channelCache.get(`${tenantId}:${id}`);
      if (cached && cached.until > now) found.set(id, cached.info);
      else missing.push(id);
    }
    if (missing.length) {
      const opened = await this.transactions.inTenant(tenantId, ({ sql }) =>
        this.settings.channels(sql, tenantId, missing),
      );
      if (this.channelCache.size > CHANNEL_CACHE_MAX) this.channelCache.clear();
      for (const [id, info] of opened) {
        this.channelCache.set(`${tenantId}:${id}`, { info, until: now + CHANNEL_CACHE_MS });
        found.set(id, info);
      }
    }
    return found;
  }

  /**
   * The turns of the paced (Slack) channels among the claimed deliveries, every tenant's at once, taken
   * in the database in a transaction of their own, committed before anything is sent: the pace holds
   * across replicas, not only within one. Microseconds to wait, by tenant then channel; 0 where the
   * turn was taken.
   */
  private async takeTurns(
    byTenant: ReadonlyMap<string, readonly Delivery[]>,
    channels: ReadonlyMap<string, ReadonlyMap<string, ChannelInfo>>,
  ): Promise<Map<string, Map<string, number>>> {
    const paced: { tenantId: string; channelId: string }[] = [];
    for (const [tenantId, deliveries] of byTenant)
      for (const channelId of new Set(deliveries.map((d) => d.channelId))) {
        const channel = channels.get(tenantId)?.get(channelId);
        if (channel && channel.type !== 'email') paced.push({ tenantId, channelId });
      }
    if (paced.length === 0) return new Map();
    const nowUs = this.clock() * US_PER_MS;
    return this.transactions.asPlatform(({ sql }) =>
      this.store.takeTurns(sql, paced, nowUs, SLACK_PACE_MS * US_PER_MS),
    );
  }

  /**
   * What to send of one tenant's claimed deliveries, and the writes that go with it (run in the
   * transaction that records the outcomes): a deleted channel's deliveries failed, a paced channel's
   * deliveries put back until its turn or, when several are waiting, rolled up into one message.
   */
  private prepare(
    tenantId: string,
    deliveries: Delivery[],
    channels: Map<string, ChannelInfo>,
    turns: ReadonlyMap<string, number>,
  ): { units: Unit[]; writes: ((sql: Sql) => Promise<void>)[] } {
    const nowMs = this.clock();
    const nowUs = nowMs * US_PER_MS;
    const byChannel = new Map<string, Delivery[]>();
    for (const d of deliveries) byChannel.set(d.channelId, [...(byChannel.get(d.channelId) ?? []), d]);
    const units: Unit[] = [];
    const writes: ((sql: Sql) => Promise<void>)[] = [];
    const release = (ids: string[], atMs: number) =>
      writes.push((sql) => this.store.release(sql, tenantId, ids, atMs * US_PER_MS, nowUs));
    for (const [channelId, waiting] of byChannel) {
      const channel = channels.get(channelId);
      if (!channel) {
        for (const d of waiting)
          writes.push((sql) => this.store.fail(sql, tenantId, d.id, 'the channel no longer exists', nowUs));
        continue;
      }
      const unitOf = (delivery: Delivery): Unit => {
        const content = JSON.parse(delivery.content) as StoredContent;
        const thread = delivery.thread;
        return {
          delivery,
          content,
          channel,
          ...(thread && { thread: threadRefOf(thread) }),
          update: Boolean(thread?.single && thread.slackTs && updatesFirstMessage(delivery.kind)),
        };
      };
      if (channel.type === 'email') {
        units.push(...waiting.map(unitOf));
        continue;
      }
      const waitMs = Math.ceil((turns.get(channelId) ?? SLACK_PACE_MS * US_PER_MS) / US_PER_MS);
      if (waitMs > 0) {
        release(
          waiting.map((d) => d.id),
          nowMs + waitMs,
        );
        continue;
      }
      const turn = messageFor(waiting);
      if ('single' in turn) {
        units.push(unitOf(turn.single));
        if (turn.later.length)
          release(
            turn.later.map((d) => d.id),
            nowMs + SLACK_PACE_MS,
          );
        continue;
      }
      const alerts = latestAlerts(turn.rollup);
      const rollup = this.newDelivery(tenantId, {
        sourceKey: `rollup:${turn.rollup[0]!.id}`,
        routeId: NO_ROUTE,
        channelId,
        alertId: null,
        kind: 'rollup',
        content: {
          kind: 'rollup',
          alerts: alerts.slice(0, ROLLUP_LISTED),
          ...(alerts.length > ROLLUP_LISTED && { omitted: alerts.length - ROLLUP_LISTED }),
        },
        status: 'sending',
        groupKey: null,
        nextAtMs: nowMs + LEASE_MS,
      });
      // The roll-up's row comes first, then its outcome is recorded on it (same transaction).
      writes.push(async (sql) => {
        await this.store.insert(sql, [rollup]);
        await this.store.markGrouped(
          sql,
          tenantId,
          turn.rollup.map((d) => d.id),
          rollup.id,
          nowUs,
        );
      });
      units.push(unitOf(deliveryOf(rollup)));
    }
    return { units, writes };
  }

  private async send(tenantId: string, unit: Unit): Promise<Outcome> {
    const startedAtMs = this.clock();
    const started = performance.now();
    try {
      const result = await this.providers.send({
        target: unit.channel.target,
        content: { tenantId, ...unit.content },
        ...(unit.thread && { thread: unit.thread }),
        ...(unit.update && { update: true }),
        idempotencyKey: unit.delivery.id,
      });
      return { unit, startedAtMs, durationMs: Math.round(performance.now() - started), result };
    } catch (err) {
      const error: NonNullable<Outcome['error']> =
        err instanceof DeliveryError
          ? {
              message: err.message,
              kind: err.kind,
              providerResponse: err.providerResponse,
              ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
            }
          : { message: err instanceof Error ? err.message : String(err), kind: 'transient' as const };
      return { unit, startedAtMs, durationMs: Math.round(performance.now() - started), error };
    }
  }

  /** Each attempt's record, the delivery's next state, threads, channel health, fallbacks and events: one transaction. */
  private async record(tx: Tx, outcomes: Outcome[]): Promise<void> {
    const { sql, tenantId } = tx;
    const nowMs = this.clock();
    const nowUs = nowMs * US_PER_MS;
    const attempts: Parameters<DeliveryStore['recordAttempts']>[1][number][] = [];
    const threads: Thread[] = [];
    const healthy = new Set<string>();
    const unhealthy = new Map<string, string>();
    const fallbacks: NewDelivery[] = [];
    /** Channels whose provider asked to wait (Retry-After), until when (µs). */
    const paused = new Map<string, number>();
    let routes: Awaited<ReturnType<NotificationSettings['routes']>> | undefined;
    for (const { unit, startedAtMs, durationMs, result, error } of outcomes) {
      const { delivery, channel } = unit;
      const attempt = delivery.attempts + 1;
      const providerResponse = result ? result.providerResponse : error?.providerResponse;
      const base = {
        id: uuidv7(),
        tenantId,
        deliveryId: delivery.id,
        attempt,
        startedAtUs: startedAtMs * US_PER_MS,
        durationMs,
        providerResponse: providerResponse === undefined ? null : JSON.stringify(providerResponse),
      };
      const outcome = {
        deliveryId: delivery.id,
        alertId: delivery.alertId ?? unit.content.alerts[0]!.alertId,
        channelId: channel.id,
        channelType: channel.type as ChannelType,
        attempts: attempt,
      };
      if (result) {
        attempts.push({
          attempt: { ...base, outcome: 'delivered', error: null },
          next: { status: 'delivered', nextAtUs: null, lastError: null, deliveredAtUs: nowUs },
        });
        if (result.thread && !unit.thread) {
          const single = delivery.alertId !== null;
          const alertIds = single ? [delivery.alertId!] : unit.content.alerts.map((a) => a.alertId);
          threads.push(...alertIds.map((alertId) => threadOf(alertId, channel.id, result.thread!, single)));
        }
        if (!channel.healthy) healthy.add(channel.id);
        tx.emit(RoutingKeys.NotificationDelivered, outcome);
        continue;
      }
      const failure = error!;
      if (failure.retryAfterMs)
        paused.set(channel.id, Math.max(paused.get(channel.id) ?? 0, (nowMs + failure.retryAfterMs) * US_PER_MS));
      const next = afterFailure(failure.kind, attempt, nowMs, failure.retryAfterMs);
      attempts.push({
        attempt: { ...base, outcome: failure.kind, error: failure.message },
        next: next.retry
          ? { status: 'pending', nextAtUs: next.nextAt * US_PER_MS, lastError: failure.message, deliveredAtUs: null }
          : { status: 'failed', nextAtUs: null, lastError: failure.message, deliveredAtUs: null },
      });
      if (next.retry) continue;
      tx.emit(RoutingKeys.NotificationFailed, { ...outcome, error: failure.message.slice(0, 2_000) });
      if (failure.kind !== 'permanent') continue;
      unhealthy.set(channel.id, failure.message);
      if (channel.type === 'email') continue;
      routes ??= await this.settings.routes(sql, tenantId);
      const fallback = routes.find((r) => r.id === delivery.routeId)?.fallbackEmailChannelId;
      if (fallback)
        fallbacks.push(
          this.newDelivery(tenantId, {
            sourceKey: `fallback:${delivery.id}`,
            routeId: delivery.routeId,
            channelId: fallback,
            alertId: delivery.alertId,
            kind: delivery.kind,
            content: unit.content,
            status: 'pending',
            groupKey: null,
            nextAtMs: nowMs,
          }),
        );
    }
    await this.store.recordAttempts(sql, attempts, nowUs);
    // The first message of an alert on a channel stays its thread (a later one is not inserted).
    await this.store.insertThreads(sql, tenantId, dedupeThreads(threads), nowUs);
    for (const channelId of healthy)
      if (!unhealthy.has(channelId)) await this.settings.markHealthy(sql, tenantId, channelId);
    for (const [channelId, message] of unhealthy)
      await this.settings.markUnhealthy(sql, tenantId, channelId, message, BigInt(nowUs));
    await this.store.insert(sql, fallbacks);
    await this.store.pauseChannels(sql, tenantId, paused);
  }

  private newDelivery(
    tenantId: string,
    d: Omit<NewDelivery, 'id' | 'tenantId' | 'content' | 'nowUs' | 'nextAtUs' | 'parentId'> & {
      content: StoredContent;
      nextAtMs: number;
    },
  ): NewDelivery {
    const { content, nextAtMs, ...rest } = d;
    return {
      ...rest,
      id: uuidv7(),
      tenantId,
      content: JSON.stringify(content),
      parentId: null,
      nextAtUs: nextAtMs * US_PER_MS,
      nowUs: this.clock() * US_PER_MS,
    };
  }
}

/** The alerts of several deliveries' messages, each once as last seen, worst first. */
function latestAlerts(deliveries: readonly Delivery[]): MessageAlert[] {
  const byId = new Map<string, MessageAlert>();
  for (const d of deliveries)
    for (const alert of (JSON.parse(d.content) as StoredContent).alerts) {
      byId.delete(alert.alertId);
      byId.set(alert.alertId, alert);
    }
  return [...byId.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}

/** One thread per alert and channel: the first one given. */
function dedupeThreads(threads: readonly Thread[]): Thread[] {
  const seen = new Set<string>();
  return threads.filter((t) => {
    const key = `${t.alertId}:${t.channelId}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function threadRefOf(thread: Thread): ThreadRef {
  return {
    ...(thread.slackChannel && thread.slackTs && { slack: { channel: thread.slackChannel, ts: thread.slackTs } }),
    ...(thread.emailMessageId && { email: { messageId: thread.emailMessageId } }),
  };
}

function threadOf(alertId: string, channelId: string, ref: ThreadRef, single: boolean): Thread {
  return {
    alertId,
    channelId,
    slackChannel: ref.slack?.channel ?? null,
    slackTs: ref.slack?.ts ?? null,
    emailMessageId: ref.email?.messageId ?? null,
    single,
  };
}

/** A delivery just written, as the worker reads one. */
function deliveryOf(row: NewDelivery): Delivery {
  return {
    ...row,
    attempts: 0,
    lastError: null,
    providerResponse: null,
    createdAtUs: row.nowUs,
    updatedAtUs: row.nowUs,
    deliveredAtUs: null,
  };
}
