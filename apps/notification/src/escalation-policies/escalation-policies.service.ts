import { ConflictException, Injectable } from '@nestjs/common';
import {
  isoMicros,
  NOTIFICATION_LIMITS,
  nowMicros,
  type Actor,
  type CreateEscalationPolicyRequest,
  type EscalationPolicyView,
  type EscalationStep,
  type Page,
  type UpdateEscalationPolicyRequest,
} from '@vigil/contracts';
import { Transactions, type Sql, isUniqueViolation } from '@vigil/persistence';
import { v7 as uuidv7 } from 'uuid';
import { ChannelStore } from '../channels/channel.store.js';
import { invalid, nameTaken, notFound } from '../model/errors.js';
import { RouteStore } from '../routes/route.store.js';
import { EscalationPolicyStore, type StoredEscalationPolicy } from './escalation-policy.store.js';

export function escalationPolicyViewOf(policy: StoredEscalationPolicy): EscalationPolicyView {
  return {
    id: policy.id,
    name: policy.name,
    steps: policy.steps,
    repeat: policy.repeat,
    createdAt: isoMicros(policy.createdAtUs),
    updatedAt: isoMicros(policy.updatedAtUs),
  };
}

function stepsOf(steps: readonly EscalationStep[]): StoredEscalationPolicy['steps'] {
  return steps.map(({ waitMinutes, channelIds }) => ({ waitMinutes, channelIds }));
}

/**
 * A tenant's escalation policies: steps of (wait, notify channels), every channel in the tenant (422
 * naming the step), names unique; a policy a route names cannot be removed (409 naming the routes).
 */
@Injectable()
export class EscalationPoliciesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: EscalationPolicyStore,
    private readonly channels: ChannelStore,
    private readonly routes: RouteStore,
  ) {}

  private async checkChannels(sql: Sql, tenantId: string, steps: StoredEscalationPolicy['steps']): Promise<void> {
    const known = new Set((await this.channels.list(sql, tenantId)).map((channel) => channel.id));
    for (const [index, step] of steps.entries())
      for (const [at, id] of step.channelIds.entries())
        if (!known.has(id))
          throw invalid(
            `steps.${index}.channelIds.${at}`,
            `steps.${index}.channelIds.${at}: no channel ${id} in this tenant`,
          );
  }

  async create(
    tenantId: string,
    request: CreateEscalationPolicyRequest,
    actor: Actor | undefined,
  ): Promise<EscalationPolicyView> {
    const now = nowMicros();
    const policy: StoredEscalationPolicy = {
      id: uuidv7(),
      tenantId,
      name: request.name,
      steps: stepsOf(request.steps),
      repeat: request.repeat ?? 0,
      createdAtUs: now,
      updatedAtUs: now,
      createdBy: actor?.id ?? null,
    };
    try {
      await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const policies = await this.store.list(sql, tenantId);
        if (policies.some((other) => other.name === policy.name)) throw nameTaken('escalation policy', policy.name);
        if (policies.length >= NOTIFICATION_LIMITS.escalationPolicies)
          throw new ConflictException(
            `a tenant may have at most ${NOTIFICATION_LIMITS.escalationPolicies} escalation policies`,
          );
        await this.checkChannels(sql, tenantId, policy.steps);
        await this.store.insert(sql, policy);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('escalation policy', policy.name);
      throw error;
    }
    return escalationPolicyViewOf(policy);
  }

  async list(tenantId: string): Promise<Page<EscalationPolicyView>> {
    const policies = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    return { items: policies.map(escalationPolicyViewOf), nextCursor: null };
  }

  async get(tenantId: string, id: string): Promise<EscalationPolicyView> {
    const policy = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.get(sql, tenantId, id));
    if (!policy) throw notFound('escalation policy', id);
    return escalationPolicyViewOf(policy);
  }

  /** PATCH: what is given changes; `steps` replaces them all. */
  async update(tenantId: string, request: UpdateEscalationPolicyRequest): Promise<EscalationPolicyView> {
    try {
      return await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const current = await this.store.get(sql, tenantId, request.id);
        if (!current) throw notFound('escalation policy', request.id);
        if (
          request.name !== undefined &&
          (await this.store.list(sql, tenantId)).some((other) => other.id !== current.id && other.name === request.name)
        )
          throw nameTaken('escalation policy', request.name);
        const next: StoredEscalationPolicy = {
          ...current,
          ...(request.name !== undefined && { name: request.name }),
          ...(request.steps !== undefined && { steps: stepsOf(request.steps) }),
          ...(request.repeat !== undefined && { repeat: request.repeat }),
          updatedAtUs: nowMicros(),
        };
        if (request.steps !== undefined) await this.checkChannels(sql, tenantId, next.steps);
        if (!(await this.store.update(sql, next))) throw notFound('escalation policy', request.id);
        return escalationPolicyViewOf(next);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('escalation policy', request.name ?? '');
      throw error;
    }
  }

  /** 409 while a route names it. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.transactions.inTenant(tenantId, async ({ sql }) => {
      const users = (await this.routes.list(sql, tenantId)).filter((route) => route.escalationPolicyId === id);
      if (users.length)
        throw new ConflictException({
          message: `escalation policy ${id} is used by ${users.map((route) => `route "${route.name}"`).join(', ')}: change them first`,
          field: 'id',
        });
      if (!(await this.store.delete(sql, tenantId, id))) throw notFound('escalation policy', id);
    });
  }
}
