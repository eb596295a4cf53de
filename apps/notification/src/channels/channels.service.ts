import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '@vigil/auth';
import {
  isoMicros,
  NOTIFICATION_LIMITS,
  nowMicros,
  type Actor,
  type ChannelTestResult,
  type ChannelView,
  type CreateChannelRequest,
  type Page,
  type UpdateChannelRequest,
} from '@vigil/contracts';
import { parseAllowedCidrs, type Cidr } from '@vigil/netguard';
import { Transactions, type Sql, isUniqueViolation } from '@vigil/persistence';
import { v7 as uuidv7 } from 'uuid';
import { NOTIFICATION_PROVIDERS } from '../deliveries/engine-options.js';
import { invalid, nameTaken, notFound } from '../model/errors.js';
import { NOTIFICATION_CONFIG, type NotificationConfig } from '../notification.config.js';
import { DeliveryError, type ChannelTarget, type Providers } from '../providers/index.js';
import { channelSettingsProblem, mergeSecrets, targetOf, type ChannelSettings } from './channel-input.js';
import { ChannelStore, type StoredChannel } from './channel.store.js';
import { ChannelReferences } from './channel-references.js';

export const SECRET_BOX = Symbol('SECRET_BOX');

/** A channel ready for the providers: where to send, secrets opened. */
export interface OpenedChannel {
  channel: StoredChannel;
  target: ChannelTarget;
}

/** What a sealed secret set is bound to: its row, so it cannot be replayed onto another tenant's. */
function sealContext(tenantId: string, id: string): string {
  return `notification_channels/${tenantId}/${id}`;
}

export function channelViewOf(channel: StoredChannel): ChannelView {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    config: channel.config,
    secretsSet: channel.secretNames,
    healthy: channel.healthy,
    lastError: channel.lastError,
    lastErrorAt: channel.lastErrorAtUs === null ? null : isoMicros(channel.lastErrorAtUs),
    createdAt: isoMicros(channel.createdAtUs),
    updatedAt: isoMicros(channel.updatedAtUs),
  };
}

/**
 * A tenant's notification channels: settings checked per type (422 naming the field), secrets sealed
 * at rest (AES-256-GCM, SECRETS_KEY) and never shown, names unique in the tenant, a channel a route or
 * an escalation policy uses cannot be removed (409 naming them). `test` sends a test message through
 * the providers and answers what they said; the engine opens channels with `open`.
 */
@Injectable()
export class ChannelsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: ChannelStore,
    private readonly references: ChannelReferences,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(NOTIFICATION_PROVIDERS) private readonly providers: Providers,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
  ) {
    this.allowedCidrs = parseAllowedCidrs(config.NOTIFY_ALLOWED_CIDRS, 'NOTIFY_ALLOWED_CIDRS');
  }

  private readonly allowedCidrs: readonly Cidr[];

  private check(type: StoredChannel['type'], settings: ChannelSettings): void {
    const problem = channelSettingsProblem(type, settings, {
      slackApiUrl: this.config.SLACK_API_URL,
      allowedCidrs: this.allowedCidrs,
    });
    if (problem) throw invalid(problem.field, problem.problem);
  }

  private seal(tenantId: string, id: string, secrets: Record<string, string>): string {
    return this.box.seal(JSON.stringify(secrets), sealContext(tenantId, id));
  }

  private openSecrets(channel: StoredChannel): Record<string, string> {
    return JSON.parse(this.box.open(channel.sealedSecrets, sealContext(channel.tenantId, channel.id))) as Record<
      string,
      string
    >;
  }

  async create(tenantId: string, request: CreateChannelRequest, actor: Actor | undefined): Promise<ChannelView> {
    const settings: ChannelSettings = {
      config: request.config ?? {},
      secrets: mergeSecrets({}, request.secrets),
    };
    this.check(request.type, settings);
    const id = uuidv7();
    const now = nowMicros();
    const channel: StoredChannel = {
      id,
      tenantId,
      name: request.name,
      type: request.type,
      config: settings.config,
      secretNames: Object.keys(settings.secrets),
      sealedSecrets: this.seal(tenantId, id, settings.secrets),
      healthy: true,
      lastError: null,
      lastErrorAtUs: null,
      createdAtUs: now,
      updatedAtUs: now,
      createdBy: actor?.id ?? null,
    };
    try {
      await this.transactions.inTenant(tenantId, async ({ sql }) => {
        if (await this.store.nameTaken(sql, tenantId, request.name)) throw nameTaken('channel', request.name);
        if ((await this.store.count(sql, tenantId)) >= NOTIFICATION_LIMITS.channels)
          throw new ConflictException(`a tenant may have at most ${NOTIFICATION_LIMITS.channels} channels`);
        await this.store.insert(sql, channel);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('channel', request.name);
      throw error;
    }
    return channelViewOf(channel);
  }

  async list(tenantId: string): Promise<Page<ChannelView>> {
    const channels = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.list(sql, tenantId));
    return { items: channels.map(channelViewOf), nextCursor: null };
  }

  async get(tenantId: string, id: string): Promise<ChannelView> {
    const channel = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.get(sql, tenantId, id));
    if (!channel) throw notFound('channel', id);
    return channelViewOf(channel);
  }

  /**
   * PATCH: `config` replaces the settings, `secrets` replaces the ones it names (`null` removes an
   * optional one); the whole result is checked as a new channel would be. A change of settings or
   * secrets makes the channel healthy again (the error was about the old ones).
   */
  async update(tenantId: string, request: UpdateChannelRequest): Promise<ChannelView> {
    try {
      return await this.transactions.inTenant(tenantId, async ({ sql }) => {
        const current = await this.store.get(sql, tenantId, request.id);
        if (!current) throw notFound('channel', request.id);
        const settingsChange = request.config !== undefined || request.secrets !== undefined;
        const secrets = settingsChange ? mergeSecrets(this.openSecrets(current), request.secrets) : null;
        if (secrets) this.check(current.type, { config: request.config ?? current.config, secrets });
        if (request.name !== undefined && (await this.store.nameTaken(sql, tenantId, request.name, current.id)))
          throw nameTaken('channel', request.name);
        const next: StoredChannel = {
          ...current,
          ...(request.name !== undefined && { name: request.name }),
          ...(request.config !== undefined && { config: request.config }),
          ...(secrets !== null && {
            secretNames: Object.keys(secrets),
            sealedSecrets: this.seal(tenantId, current.id, secrets),
          }),
          ...(settingsChange && { healthy: true, lastError: null, lastErrorAtUs: null }),
          updatedAtUs: nowMicros(),
        };
        if (!(await this.store.update(sql, next))) throw notFound('channel', request.id);
        return channelViewOf(next);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken('channel', request.name ?? '');
      throw error;
    }
  }

  /** 409 while a route or an escalation policy sends to it: they name it, and would silently lose it. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.transactions.inTenant(tenantId, async ({ sql }) => {
      const users = await this.references.usersOf(sql, tenantId, id);
      if (users.length)
        throw new ConflictException({
          message: `channel ${id} is used by ${users.join(', ')}: change them first`,
          field: 'id',
        });
      if (!(await this.store.delete(sql, tenantId, id))) throw notFound('channel', id);
    });
  }

  /**
   * Sends a test message now and answers what the provider said. A permanent refusal (bad token,
   * unknown channel, rejected address) marks the channel unhealthy, a success healthy again. Bounded
   * so the answer comes before the caller's RPC deadline.
   */
  async test(tenantId: string, id: string, message?: string): Promise<ChannelTestResult> {
    const channel = await this.transactions.inTenant(tenantId, ({ sql }) => this.store.get(sql, tenantId, id));
    if (!channel) throw notFound('channel', id);
    const target = targetOf(channel.type, { config: channel.config, secrets: this.openSecrets(channel) });
    const now = new Date(Number(nowMicros() / 1000n)).toISOString();
    const limitMs = Math.max(500, Math.min(this.config.NOTIFY_PROVIDER_TIMEOUT_MS, this.config.RPC_TIMEOUT_MS - 1_000));
    let outcome: Omit<ChannelTestResult, 'channel'>;
    let timer: NodeJS.Timeout | undefined;
    try {
      const sent = await Promise.race([
        this.providers.send({
          target,
          content: {
            tenantId,
            kind: 'test',
            alerts: [
              {
                alertId: id,
                alertType: 'VigilTest',
                severity: 'info',
                status: 'triggered',
                summary: message ?? `Test notification from Vigil: the channel "${channel.name}" works`,
                labels: { channel: channel.name },
                occurrences: 1,
                startedAt: now,
                lastSeenAt: now,
              },
            ],
          },
          idempotencyKey: uuidv7(),
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeliveryError(`no answer within ${limitMs} ms`, 'transient')), limitMs);
        }),
      ]);
      outcome = { ok: true, providerResponse: sent.providerResponse ?? null, error: null, errorKind: null };
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      outcome = {
        ok: false,
        providerResponse: error.providerResponse ?? null,
        error: error.message,
        errorKind: error.kind,
      };
    } finally {
      clearTimeout(timer);
    }
    const updated = await this.transactions.inTenant(tenantId, async ({ sql }) => {
      if (outcome.ok) await this.store.setHealth(sql, tenantId, id, { healthy: true });
      else if (outcome.errorKind === 'permanent')
        await this.store.setHealth(sql, tenantId, id, { healthy: false, error: outcome.error!, atUs: nowMicros() });
      return this.store.get(sql, tenantId, id);
    });
    return { ...outcome, channel: channelViewOf(updated ?? channel) };
  }

  /** The channels among `ids` that exist in the tenant, opened for the providers (the engine's view). */
  async open(sql: Sql, tenantId: string, ids: readonly string[]): Promise<Map<string, OpenedChannel>> {
    const opened = new Map<string, OpenedChannel>();
    for (const channel of await this.store.getMany(sql, tenantId, [...new Set(ids)])) {
      opened.set(channel.id, {
        channel,
        target: targetOf(channel.type, { config: channel.config, secrets: this.openSecrets(channel) }),
      });
    }
    return opened;
  }

  async markUnhealthy(sql: Sql, tenantId: string, id: string, error: string, atUs: bigint): Promise<void> {
    await this.store.setHealth(sql, tenantId, id, { healthy: false, error, atUs });
  }

  async markHealthy(sql: Sql, tenantId: string, id: string): Promise<void> {
    await this.store.setHealth(sql, tenantId, id, { healthy: true });
  }
}
