import { Injectable } from '@nestjs/common';
import type { Sql } from '@vigil/persistence';
import { ChannelsService } from '../channels/channels.service.js';
import type { ChannelInfo, NotificationSettings } from '../deliveries/settings.js';
import type { EscalationPolicySpec, RouteSpec } from '../engine/index.js';
import { EscalationPolicyStore } from '../escalation-policies/escalation-policy.store.js';
import { RouteStore } from './route.store.js';
import { routeViewOf } from './routes.service.js';

/**
 * What the engine reads of a tenant's configuration, inside its own transaction: the routes in order
 * (it matches them with match.ts, as the dry run does), a policy, the channels opened for the
 * providers, and a channel's health after a send.
 */
@Injectable()
export class NotificationSettingsReader implements NotificationSettings {
  constructor(
    private readonly routeStore: RouteStore,
    private readonly policyStore: EscalationPolicyStore,
    private readonly channelsService: ChannelsService,
  ) {}

  async routes(sql: Sql, tenantId: string): Promise<RouteSpec[]> {
    return (await this.routeStore.list(sql, tenantId)).map(routeViewOf);
  }

  async escalationPolicy(sql: Sql, tenantId: string, policyId: string): Promise<EscalationPolicySpec | null> {
    const policy = await this.policyStore.get(sql, tenantId, policyId);
    return policy ? { id: policy.id, steps: policy.steps, repeat: policy.repeat } : null;
  }

  async channels(sql: Sql, tenantId: string, channelIds: readonly string[]): Promise<Map<string, ChannelInfo>> {
    const opened = await this.channelsService.open(sql, tenantId, channelIds);
    return new Map(
      [...opened].map(([id, { channel, target }]) => [
        id,
        { id, type: channel.type, healthy: channel.healthy, target },
      ]),
    );
  }

  markUnhealthy(sql: Sql, tenantId: string, channelId: string, error: string, atUs: bigint): Promise<void> {
    return this.channelsService.markUnhealthy(sql, tenantId, channelId, error, atUs);
  }

  markHealthy(sql: Sql, tenantId: string, channelId: string): Promise<void> {
    return this.channelsService.markHealthy(sql, tenantId, channelId);
  }
}
