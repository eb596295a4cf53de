import type { ChannelType } from '@vigil/contracts';
import type { Sql } from '@vigil/persistence';
import type { EscalationPolicySpec, RouteSpec } from '../engine/index.js';
import type { ChannelTarget } from '../providers/index.js';

/** A channel as the worker needs it: where to send (secrets opened) and whether it is healthy. */
export interface ChannelInfo {
  id: string;
  type: ChannelType;
  healthy: boolean;
  target: ChannelTarget;
}

/**
 * What the engine reads of a tenant's notification settings (routes, escalation policies, channels)
 * and the one thing it writes there, a channel's health. Every call runs in the caller's transaction,
 * in the tenant's scope.
 */
export interface NotificationSettings {
  /** The tenant's routes in order, their matchers compiled. */
  routes(sql: Sql, tenantId: string): Promise<RouteSpec[]>;
  escalationPolicy(sql: Sql, tenantId: string, policyId: string): Promise<EscalationPolicySpec | null>;
  /** The channels among `channelIds` that exist (a deleted one is missing from the map). */
  channels(sql: Sql, tenantId: string, channelIds: readonly string[]): Promise<Map<string, ChannelInfo>>;
  /** A permanent failure: the channel is unhealthy until a send succeeds or it is changed. */
  markUnhealthy(sql: Sql, tenantId: string, channelId: string, error: string, atUs: bigint): Promise<void>;
  /** A send succeeded: an unhealthy channel is healthy again. */
  markHealthy(sql: Sql, tenantId: string, channelId: string): Promise<void>;
}

export const NOTIFICATION_SETTINGS = Symbol('NOTIFICATION_SETTINGS');
