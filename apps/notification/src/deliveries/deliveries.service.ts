import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  isoMicros,
  parseIsoMicros,
  type ChannelType,
  type DeliveryListQuery,
  type DeliveryPage,
  type DeliveryStatus,
  type DeliveryView,
  type Keyset,
  type SlackMessageLookupRequest,
  type SlackMessageOwner,
} from '@vigil/contracts';
import { placeholders, Transactions, type Row } from '@vigil/persistence';
import type { Logger } from '@vigil/messaging';
import { LOGGER } from '@vigil/runtime';
import { NOTIFICATION_CONFIG, type NotificationConfig } from '../notification.config.js';
import { slackUserEmail } from '../providers/index.js';
import { NO_ROUTE } from './delivery.entity.js';
import { DeliveryStore } from './delivery.store.js';
import { NOTIFICATION_SETTINGS, type NotificationSettings } from './settings.js';

const KEYSET: Keyset = { sort: 'created_at', order: 'desc' };

/** The deliveries list and the Slack message lookup (RPC). */
@Injectable()
export class DeliveriesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly store: DeliveryStore,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
    @Inject(NOTIFICATION_CONFIG) private readonly config: Pick<NotificationConfig, 'SLACK_API_URL'>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A tenant's deliveries, newest first, filtered, each with its attempts. */
  list(tenantId: string, query: DeliveryListQuery): Promise<DeliveryPage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = query.cursor ? decodeCursor(query.cursor, KEYSET) : null;
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const where = ['d.tenant_id = ?'];
      const params: unknown[] = [tenantId];
      if (query.alertId) {
        where.push('d.alert_id = ?');
        params.push(query.alertId);
      }
      if (query.channelId) {
        where.push('d.channel_id = ?');
        params.push(query.channelId);
      }
      if (query.status?.length) {
        where.push(`d.status IN (${placeholders(query.status.length)})`);
        params.push(...query.status);
      }
      if (query.from) {
        where.push('d.created_at_us >= ?');
        params.push(Number(instantMicros(query.from)));
      }
      if (query.to) {
        where.push('d.created_at_us < ?');
        params.push(Number(instantMicros(query.to)));
      }
      if (cursor) {
        where.push('(d.created_at_us < ? OR (d.created_at_us = ? AND d.id < ?))');
        params.push(cursor.key, cursor.key, cursor.id);
      }
      const rows = await sql.query(
        `SELECT d.id, d.alert_id, d.route_id, d.channel_id, d.kind, d.status, d.last_error, d.content,
           d.created_at_us, d.updated_at_us, d.delivered_at_us, c.type AS channel_type
         FROM notification_deliveries d LEFT JOIN notification_channels c ON c.tenant_id = d.tenant_id AND c.id = d.channel_id
         WHERE ${where.join(' AND ')} ORDER BY d.created_at_us DESC, d.id DESC LIMIT ${limit + 1}`,
        params,
      );
      const page = rows.slice(0, limit);
      const attempts = await this.attemptsOf(
        sql,
        tenantId,
        page.map((r) => String(r['id'])),
      );
      const items = page.map((r) => viewOf(r, attempts.get(String(r['id'])) ?? []));
      const last = page.at(-1);
      return {
        items,
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({ ...KEYSET, key: Number(last['created_at_us']), id: String(last['id']) })
            : null,
      };
    });
  }

  private async attemptsOf(
    sql: { query(sql: string, params?: readonly unknown[]): Promise<Row[]> },
    tenantId: string,
    ids: string[],
  ): Promise<Map<string, DeliveryView['attempts']>> {
    const byDelivery = new Map<string, DeliveryView['attempts']>();
    if (!ids.length) return byDelivery;
    const rows = await sql.query(
      `SELECT delivery_id, attempt, started_at_us, outcome, error, provider_response FROM notification_delivery_attempts
       WHERE tenant_id = ? AND delivery_id IN (${placeholders(ids.length)}) ORDER BY attempt`,
      [tenantId, ...ids],
    );
    for (const r of rows) {
      const id = String(r['delivery_id']);
      const list = byDelivery.get(id) ?? [];
      list.push({
        attempt: Number(r['attempt']),
        at: isoMicros(BigInt(r['started_at_us'] as string | number)),
        ok: r['outcome'] === 'delivered',
        providerResponse:
          r['provider_response'] === null ? null : (JSON.parse(String(r['provider_response'])) as unknown),
        error: (r['error'] as string | null) ?? null,
      });
      byDelivery.set(id, list);
    }
    return byDelivery;
  }

  /**
   * Which tenant and alert a clicked Slack message belongs to (a platform read: the click names no
   * tenant); null when none. With the clicking user's id, their email as Slack knows it (users.info
   * with the channel's bot token), or null when Slack does not say.
   */
  async slackOwner(request: SlackMessageLookupRequest): Promise<SlackMessageOwner | null> {
    const owner = await this.transactions.asPlatform(({ sql }) =>
      this.store.slackOwner(sql, request.channel, request.ts),
    );
    if (!owner) return null;
    return { ...owner, userEmail: request.userId ? await this.userEmail(owner, request.userId) : null };
  }

  private async userEmail(owner: { tenantId: string; channelId: string }, userId: string): Promise<string | null> {
    const channel = await this.transactions.inTenant(owner.tenantId, async ({ sql }) =>
      (await this.settings.channels(sql, owner.tenantId, [owner.channelId])).get(owner.channelId),
    );
    if (channel?.target.kind !== 'slack') return null;
    try {
      return (
        (await slackUserEmail(channel.target.botToken, userId, { slackApiUrl: this.config.SLACK_API_URL })) ?? null
      );
    } catch (err) {
      this.logger.warn({ err, userId }, 'could not read the Slack user who clicked; answered without an email');
      return null;
    }
  }
}

/** An instant the query validated (ISO-8601 with a zone), in microseconds. */
function instantMicros(text: string): bigint {
  return parseIsoMicros(text) ?? BigInt(Date.parse(text)) * 1000n;
}

function viewOf(r: Row, attempts: DeliveryView['attempts']): DeliveryView {
  const micros = (v: unknown) => isoMicros(BigInt(v as string | number));
  const routeId = String(r['route_id']);
  const content = JSON.parse(String(r['content'])) as { alerts: { alertId: string }[] };
  return {
    id: String(r['id']),
    alertId: (r['alert_id'] as string | null) ?? content.alerts[0]?.alertId ?? '',
    routeId: routeId === NO_ROUTE ? null : routeId,
    channelId: String(r['channel_id']),
    channelType: (r['channel_type'] as ChannelType | null) ?? 'slack',
    kind: String(r['kind']),
    status: r['status'] as DeliveryStatus,
    attempts,
    lastError: (r['last_error'] as string | null) ?? null,
    createdAt: micros(r['created_at_us']),
    updatedAt: micros(r['updated_at_us']),
    deliveredAt: r['delivered_at_us'] === null ? null : micros(r['delivered_at_us']),
  };
}
