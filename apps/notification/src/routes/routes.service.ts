import { ConflictException, Injectable } from '@nestjs/common';
import {
  DEFAULT_NOTIFICATION_EVENT_KINDS,
  isoMicros,
  NOTIFICATION_LIMITS,
  nowMicros,
  ROUTE_TIMING,
  WEEKDAYS,
  type Actor,
  type CreateRouteRequest,
  type Page,
  type QuietHours,
  type QuietHoursView,
  type RouteFields,
  type RouteTestChannel,
  type RouteTestRequest,
  type RouteTestResult,
  type RouteView,
  type UpdateRouteRequest,
} from '@vigil/contracts';
import { Transactions, type Sql, isUniqueViolation } from '@vigil/persistence';
import { v7 as uuidv7 } from 'uuid';
import { ChannelStore, type StoredChannel } from '../channels/channel.store.js';
import { EscalationPolicyStore } from '../escalation-policies/escalation-policy.store.js';
import { invalid, nameTaken, notFound } from '../model/errors.js';
import { matchRoutes } from './match.js';
import { RouteStore, type StoredRoute } from './route.store.js';

export function routeViewOf(route: StoredRoute): RouteView {
  const { tenantId: _tenant, createdAtUs, updatedAtUs, createdBy: _by, ...fields } = route;
  return { ...fields, createdAt: isoMicros(createdAtUs), updatedAt: isoMicros(updatedAtUs) };
}

function quietHoursOf(quiet: QuietHours): QuietHoursView {
  return {
    timeZone: quiet.timeZone,
    start: quiet.start,
    end: quiet.end,
    days: quiet.days ?? [...WEEKDAYS],
    overrideSeverity: quiet.overrideSeverity ?? null,
  };
}

/** The fields of a request applied over `base` (a new route's defaults, or the stored route). */
function applyFields(base: StoredRoute, fields: RouteFields): StoredRoute {
  return {
    ...base,
    ...(fields.minSeverity !== undefined && { minSeverity: fields.minSeverity }),
    ...(fields.alertTypes !== undefined && { alertTypes: fields.alertTypes }),
    ...(fields.labelMatchers !== undefined && {
      labelMatchers: fields.labelMatchers.map(({ name, op, value }) => ({ name, op, value })),
    }),
    ...(fields.eventKinds !== undefined && { eventKinds: fields.eventKinds }),
    ...(fields.continue !== undefined && { continue: fields.continue }),
    ...(fields.groupBy !== undefined && { groupBy: fields.groupBy }),
    ...(fields.groupWaitSeconds !== undefined && { groupWaitSeconds: fields.groupWaitSeconds }),
    ...(fields.groupIntervalSeconds !== undefined && { groupIntervalSeconds: fields.groupIntervalSeconds }),
    ...(fields.repeatIntervalSeconds !== undefined && { repeatIntervalSeconds: fields.repeatIntervalSeconds }),
    ...(fields.quietHours !== undefined && {
      quietHours: fields.quietHours === null ? null : quietHoursOf(fields.quietHours),
    }),
    ...(fields.fallbackEmailChannelId !== undefined && { fallbackEmailChannelId: fields.fallbackEmailChannelId }),
    ...(fields.escalationPolicyId !== undefined && { escalationPolicyId: fields.escalationPolicyId }),
  };
}

/** `items` with `item` moved to `position` (clamped to the list), numbered 0… without gaps. */
function placed<T>(items: readonly T[], item: T, position: number | undefined): T[] {
  const others = items.filter((other) => other !== item);
  const at = Math.min(position ?? others.length, others.length);
  return [...others.slice(0, at), item, ...others.slice(at)];
}

function testChannelOf(channel: StoredChannel): RouteTestChannel {
  return { id: channel.id, name: channel.name, type: channel.type, healthy: channel.healthy };
}

/**
 * A tenant's ordered routes: every channel, fallback and escalation policy a route names must exist
 * in the tenant (422 naming the field; the fallback must be an email channel), names are unique, and
 * positions stay 0…n-1 as routes are added, moved and removed. `test` is the dry run: the routes and
 * channels an alert would reach, by the same matching the engine uses (match.ts).
 */
@Injectable()
export class RoutesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: RouteStore,
    private readonly channels: ChannelStore,
    private readonly policies: EscalationPolicyStore,
  ) {}

  /** Every id the route names exists in the tenant, and the fallback is an email channel. */
  private async checkReferences(sql: Sql, tenantId: string, route: StoredRoute): Promise<void> {
    const channels = new Map((await this.channels.list(sql, tenantId)).map((channel) => [channel.id, channel]));
    for (const [index, id] of route.channelIds.entries())
      if (!channels.has(id))
        throw invalid(`channelIds.${index}`, `channelIds.${index}: no channel ${id} in this tenant`);
    if (route.fallbackEmailChannelId !== null) {
      const fallback = channels.get(route.fallbackEmailChannelId);
      if (!fallback)
        throw invalid(
          'fallbackEmailChannelId',
          `fallbackEmailChannelId: no channel ${route.fallbackEmailChannelId} in this tenant`,
        );
      if (fallback.type !== 'email')
        throw invalid(
          'fallbackEmailChannelId',
          `fallbackEmailChannelId: must be an email channel, not ${fallback.type} ("${fallback.name}")`,
        );
    }
    if (route.escalationPolicyId !== null && !(await this.policies.get(sql, tenantId, route.escalationPolicyId)))
      throw invalid(
        'escalationPolicyId',
        `escalationPolicyId: no escalation policy ${route.escalationPolicyId} in this tenant`,
      );
  }

  /** Writes the new order: only the rows whose position changed. */
  private async renumber(sql: Sql, tenantId: string, ordered: readonly StoredRoute[]): Promise<void> {
    for (const [position, route] of ordered.entries())
      if (route.position !== position) {
        await this.store.setPosition(sql, tenantId, route.id, position);
        route.position = position;
      }
  }

  async create(tenantId: string, request: CreateRouteRequest, actor: Actor | undefined): Promise<RouteView> {
    const now = nowMicros();
    const route = applyFields(
      {
        id: uuidv7(),
        tenantId,
        name: request.name,
        position: -1,
        minSeverity: null,
        alertTypes: [],
        labelMatchers: [],
        eventKinds: [...DEFAULT_NOTIFICATION_EVENT_KINDS],
        channelIds: request.channelIds,
        fallbackEmailChannelId: null,
        continue: false,
        groupBy: [],
        groupWaitSeconds: ROUTE_TIMING.groupWaitSeconds.default,
        groupIntervalSeconds: ROUTE_TIMING.groupIntervalSeconds.default,
        repeatIntervalSeconds: ROUTE_TIMING.repeatIntervalSeconds.default,
        quietHours: null,
        escalationPolicyId: null,
        createdAtUs: now,
        updatedAtUs: now,
        createdBy: actor?.id ?? null,
      },
      request,
    );
    try {
      return await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const routes = await this.store.list(sql, tenantId);
        if (routes.some((other) => other.name === route.name)) throw nameTaken('route', route.name);
        if (routes.length >= NOTIFICATION_LIMITS.routes)
          throw new ConflictException(`a tenant may have at most ${NOTIFICATION_LIMITS.routes} routes`);
        await this.checkReferences(sql, tenantId, route);
        // The new route is not stored yet: renumbering gives it its place, and the others theirs.
        await this.renumber(sql, tenantId, placed(routes, route, request.position));
        await this.store.insert(sql, route);
        return routeViewOf(route);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('route', route.name);
      throw error;
    }
  }

  async list(tenantId: string): Promise<Page<RouteView>> {
    const routes = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    return { items: routes.map(routeViewOf), nextCursor: null };
  }

  async get(tenantId: string, id: string): Promise<RouteView> {
    const routes = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    const route = routes.find((candidate) => candidate.id === id);
    if (!route) throw notFound('route', id);
    return routeViewOf(route);
  }

  /** PATCH: what is given changes (`null` clears an optional field); `position` moves it, the others close up. */
  async update(tenantId: string, request: UpdateRouteRequest): Promise<RouteView> {
    try {
      return await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const routes = await this.store.list(sql, tenantId);
        const current = routes.find((candidate) => candidate.id === request.id);
        if (!current) throw notFound('route', request.id);
        if (
          request.name !== undefined &&
          routes.some((other) => other.id !== current.id && other.name === request.name)
        )
          throw nameTaken('route', request.name);
        const next = applyFields(
          {
            ...current,
            ...(request.name !== undefined && { name: request.name }),
            ...(request.channelIds !== undefined && { channelIds: request.channelIds }),
            updatedAtUs: nowMicros(),
          },
          request,
        );
        await this.checkReferences(sql, tenantId, next);
        const ordered = placed(routes, current, request.position ?? current.position);
        const index = ordered.indexOf(current);
        ordered[index] = next;
        next.position = current.position;
        await this.renumber(sql, tenantId, ordered);
        if (!(await this.store.update(sql, next))) throw notFound('route', request.id);
        return routeViewOf(next);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('route', request.name ?? '');
      throw error;
    }
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.transactions.inTenant(tenantId, async ({ sql }) => {
      if (!(await this.store.delete(sql, tenantId, id))) throw notFound('route', id);
      await this.renumber(sql, tenantId, await this.store.list(sql, tenantId));
    });
  }

  /** The dry run: which routes take the alert (in order) and which channels this event kind reaches. */
  async test(tenantId: string, request: RouteTestRequest): Promise<RouteTestResult> {
    const eventKind = request.eventKind ?? 'created';
    const { routes, channels } = await this.transactions.inTenant(tenantId, async ({ sql }) => ({
      routes: await this.store.list(sql, tenantId),
      channels: new Map((await this.channels.list(sql, tenantId)).map((channel) => [channel.id, channel])),
    }));
    const matches = matchRoutes(
      routes,
      { alertType: request.alertType, severity: request.severity, labels: request.labels ?? {} },
      eventKind,
    );
    const reached = new Map<string, RouteTestChannel>();
    const answer: RouteTestResult = {
      eventKind,
      routes: matches.map(({ route, notified }) => {
        const routeChannels = route.channelIds
          .map((id) => channels.get(id))
          .filter((channel): channel is StoredChannel => channel !== undefined)
          .map(testChannelOf);
        if (notified)
          for (const channel of routeChannels) if (!reached.has(channel.id)) reached.set(channel.id, channel);
        return {
          id: route.id,
          name: route.name,
          position: route.position,
          notified,
          continue: route.continue,
          channels: routeChannels,
        };
      }),
      channels: [],
    };
    answer.channels = [...reached.values()];
    return answer;
  }
}
