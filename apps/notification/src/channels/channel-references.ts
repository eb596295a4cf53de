import { Injectable } from '@nestjs/common';
import type { Sql } from '@vigil/persistence';
import { EscalationPolicyStore } from '../escalation-policies/escalation-policy.store.js';
import { RouteStore } from '../routes/route.store.js';

/** Who sends to a channel: the routes and escalation policies that name it. */
@Injectable()
export class ChannelReferences {
  constructor(
    private readonly routes: RouteStore,
    private readonly policies: EscalationPolicyStore,
  ) {}

  /** `route "name"` / `escalation policy "name"` for each that names the channel. */
  async usersOf(sql: Sql, tenantId: string, channelId: string): Promise<string[]> {
    const users: string[] = [];
    for (const route of await this.routes.list(sql, tenantId))
      if (route.channelIds.includes(channelId) || route.fallbackEmailChannelId === channelId)
        users.push(`route "${route.name}"`);
    for (const policy of await this.policies.list(sql, tenantId))
      if (policy.steps.some((step) => step.channelIds.includes(channelId)))
        users.push(`escalation policy "${policy.name}"`);
    return users;
  }
}
