import type { AlertSnapshot } from '@vigil/contracts';
import type { Sql } from '@vigil/persistence';
import { v7 as uuidv7 } from 'uuid';
import {
  escalates,
  groupKeyOf,
  groupLabelsOf,
  heldUntil,
  isGrouped,
  joinGroup,
  startEscalation,
  stopOf,
  timingOf,
  type AlertChange,
  type GroupState,
  type RouteSpec,
} from '../engine/index.js';
import { messageAlertOf, messageKindOf, type StoredContent } from '../deliveries/content.js';
import type { DeliveryStore, NewDelivery } from '../deliveries/delivery.store.js';
import type { NotificationSettings } from '../deliveries/settings.js';
import type { MessageAlert } from '../providers/index.js';
import { compileRouteMatchers, matchRoutes, type MatchedAlert } from '../routes/match.js';

const US_PER_MS = 1_000;

/** What planning one alert change needs: the tenant's transaction, routes and the time. */
export interface PlanContext {
  sql: Sql;
  tenantId: string;
  routes: readonly RouteSpec[];
  /** Each route's matchers, compiled once per batch (see routeMatchers). */
  matchers(route: RouteSpec): (alert: MatchedAlert) => boolean;
  nowMs: number;
  publicUrl?: string;
  /** What the batch plans, written by finishPlan in a few statements. */
  rows: NewDelivery[];
  groups: Map<string, PendingGroup>;
}

/** A group as the batch left it, saved once by finishPlan. */
interface PendingGroup {
  routeId: string;
  groupKey: string;
  labels: string;
  state: GroupState<MessageAlert>;
}

/** The planning state of one batch of one tenant. */
export function newPlan(base: Omit<PlanContext, 'rows' | 'groups'>): PlanContext {
  return { ...base, rows: [], groups: new Map() };
}

/** Writes what the batch planned: its groups, then its deliveries in one insert. */
export async function finishPlan(ctx: PlanContext, store: DeliveryStore): Promise<void> {
  const nowUs = ctx.nowMs * US_PER_MS;
  // In key order, so two batches of a tenant lock its groups alike.
  for (const key of [...ctx.groups.keys()].sort()) {
    const group = ctx.groups.get(key)!;
    await store.saveGroup(
      ctx.sql,
      {
        tenantId: ctx.tenantId,
        routeId: group.routeId,
        groupKey: group.groupKey,
        labels: group.labels,
        ...storedGroupOf(group.state),
      },
      nowUs,
    );
  }
  await store.insert(ctx.sql, ctx.rows);
}

/** Compiles each route's matchers once, however many changes of a batch it sees. */
export function routeMatchers(): (route: RouteSpec) => (alert: MatchedAlert) => boolean {
  const compiled = new WeakMap<RouteSpec, (alert: MatchedAlert) => boolean>();
  return (route) => {
    let test = compiled.get(route);
    if (!test) compiled.set(route, (test = compileRouteMatchers(route)));
    return test;
  };
}

/** A held message waits for the end of its quiet period in the route's digest bucket. */
export const QUIET_BUCKET = 'quiet';

/**
 * Plans what one alert change notifies, as rows only (nothing is sent in the consumer's transaction):
 * for each route that takes the alert (matchRoutes), its escalation starts, and — when the
 * route sends this kind of change — one delivery per channel: due now, held for the end of quiet
 * hours, or waiting in its group. Keyed by the event's envelope id, so a second copy plans nothing.
 */
export async function planChange(
  ctx: PlanContext,
  store: DeliveryStore,
  settings: NotificationSettings,
  sourceKey: string,
  change: AlertChange | null,
  alert: AlertSnapshot,
): Promise<number> {
  const { sql, tenantId, nowMs } = ctx;
  const nowUs = nowMs * US_PER_MS;
  const stop = stopOf(alert);
  if (stop) await store.stopEscalations(sql, tenantId, alert.alertId, stop, nowUs);
  if (!change) return 0;
  const shown = messageAlertOf(alert, change, ctx.publicUrl);
  const kind = messageKindOf(change.kind);
  const rows = ctx.rows;
  const planned = rows.length;
  for (const { route, notified } of matchRoutes(ctx.routes, alert, change.kind, (r) => ctx.matchers(r))) {
    if (route.escalationPolicyId && (change.kind === 'created' || change.kind === 'retriggered') && escalates(alert)) {
      const policy = await settings.escalationPolicy(sql, tenantId, route.escalationPolicyId);
      const state = policy && startEscalation(policy, alert, nowMs);
      if (policy && state)
        await store.startEscalation(
          sql,
          {
            tenantId,
            alertId: alert.alertId,
            routeId: route.id,
            policyId: policy.id,
            step: state.step,
            round: state.round,
            nextAtUs: state.nextAt! * US_PER_MS,
            stopped: null,
            alert: JSON.stringify(alert),
          },
          nowUs,
        );
    }
    if (!notified) continue;
    const content = JSON.stringify({ kind, alerts: [shown] } satisfies StoredContent);
    const common = {
      tenantId,
      sourceKey,
      routeId: route.id,
      alertId: alert.alertId,
      kind,
      content,
      parentId: null,
      nowUs,
    };
    if (isGrouped(route)) {
      const groupKey = await joinStoredGroup(ctx, store, route, shown);
      for (const channelId of route.channelIds)
        rows.push({ ...common, id: uuidv7(), channelId, status: 'pending', groupKey, nextAtUs: null });
      continue;
    }
    const held = heldUntil(route.quietHours, alert.severity, nowMs);
    for (const channelId of route.channelIds)
      rows.push({
        ...common,
        id: uuidv7(),
        channelId,
        status: held === null ? 'pending' : 'held',
        groupKey: held === null ? null : QUIET_BUCKET,
        nextAtUs: (held ?? nowMs) * US_PER_MS,
      });
  }
  return rows.length - planned;
}

/** The alert joins its group on the route (see joinGroup), kept in the batch until finishPlan; returns the group's key. */
async function joinStoredGroup(
  ctx: PlanContext,
  store: DeliveryStore,
  route: RouteSpec,
  alert: MessageAlert,
): Promise<string> {
  const { sql, tenantId, nowMs } = ctx;
  const groupKey = groupKeyOf(route, alert.labels);
  const key = `${route.id}:${groupKey}`;
  const group = ctx.groups.get(key);
  if (group) {
    group.state = joinGroup(group.state, alert, timingOf(route), nowMs);
  } else {
    const stored = await store.lockGroup(sql, tenantId, route.id, groupKey);
    ctx.groups.set(key, {
      routeId: route.id,
      groupKey,
      labels: stored?.labels ?? JSON.stringify(groupLabelsOf(route, alert.labels)),
      state: joinGroup(stored && groupStateOf(stored), alert, timingOf(route), nowMs),
    });
  }
  return groupKey;
}

/** A stored group as the engine's state (times in ms). */
export function groupStateOf(stored: {
  members: string;
  changed: number;
  firstAtUs: number;
  nextAtUs: number | null;
  lastSentAtUs: number | null;
  sent: number;
}): GroupState<MessageAlert> {
  const ms = (us: number | null) => (us === null ? null : Math.floor(us / US_PER_MS));
  return {
    members: JSON.parse(stored.members) as Record<string, MessageAlert>,
    changed: stored.changed,
    firstAt: ms(stored.firstAtUs)!,
    nextAt: ms(stored.nextAtUs),
    lastSentAt: ms(stored.lastSentAtUs),
    sent: stored.sent,
  };
}

/** The engine's group state as stored (times in µs). */
export function storedGroupOf(state: GroupState<MessageAlert>) {
  const us = (ms: number | null) => (ms === null ? null : ms * US_PER_MS);
  return {
    members: JSON.stringify(state.members),
    changed: state.changed,
    firstAtUs: state.firstAt * US_PER_MS,
    nextAtUs: us(state.nextAt),
    lastSentAtUs: us(state.lastSentAt),
    sent: state.sent,
  };
}
