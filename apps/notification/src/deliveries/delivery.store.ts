import { Injectable } from '@nestjs/common';
import type { DeliveryStatus } from '@vigil/contracts';
import { chunks, placeholders, type Column, type Row, type Sql } from '@vigil/persistence';

/** Plain string order (no locale), the order in which channel turns are locked. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Channels whose turn was taken elsewhere, looked up per statement at most. */
const PACE_LOOKUP_CHUNK = 1_000;
const PACE_COLUMNS: readonly Column[] = [
  { name: 'tenant_id', pg: 'varchar' },
  { name: 'channel_id', pg: 'uuid' },
  { name: 'free_at_us', pg: 'bigint' },
];

/** A delivery row as the engine writes it. */
export interface NewDelivery {
  id: string;
  tenantId: string;
  sourceKey: string;
  routeId: string;
  channelId: string;
  alertId: string | null;
  kind: string;
  status: DeliveryStatus;
  content: string;
  groupKey: string | null;
  parentId: string | null;
  nextAtUs: number | null;
  nowUs: number;
}

/** A delivery as the worker reads it. */
export interface Delivery {
  id: string;
  tenantId: string;
  sourceKey: string;
  routeId: string;
  channelId: string;
  alertId: string | null;
  kind: string;
  status: DeliveryStatus;
  content: string;
  groupKey: string | null;
  parentId: string | null;
  attempts: number;
  nextAtUs: number | null;
  lastError: string | null;
  providerResponse: string | null;
  createdAtUs: number;
  updatedAtUs: number;
  deliveredAtUs: number | null;
  /** Claimed deliveries: the first message the alert already has on the channel. */
  thread?: Thread;
}

const DELIVERY_COLUMNS: readonly Column[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'tenant_id', pg: 'varchar' },
  { name: 'source_key', pg: 'varchar' },
  { name: 'route_id', pg: 'uuid' },
  { name: 'channel_id', pg: 'uuid' },
  { name: 'alert_id', pg: 'uuid' },
  { name: 'kind', pg: 'varchar' },
  { name: 'status', pg: 'varchar' },
  { name: 'content', pg: 'text' },
  { name: 'group_key', pg: 'varchar' },
  { name: 'parent_id', pg: 'uuid' },
  { name: 'attempts', pg: 'integer' },
  { name: 'next_at_us', pg: 'bigint' },
  { name: 'created_at_us', pg: 'bigint' },
  { name: 'updated_at_us', pg: 'bigint' },
];

const SELECT_DELIVERY = `SELECT id, tenant_id, source_key, route_id, channel_id, alert_id, kind, status, content, group_key,
  parent_id, attempts, next_at_us, last_error, provider_response, created_at_us, updated_at_us, delivered_at_us
  FROM notification_deliveries`;

const ATTEMPT_COLUMNS: readonly Column[] = [
  { name: 'id', pg: 'uuid' },
  { name: 'tenant_id', pg: 'varchar' },
  { name: 'delivery_id', pg: 'uuid' },
  { name: 'attempt', pg: 'integer' },
  { name: 'started_at_us', pg: 'bigint' },
  { name: 'duration_ms', pg: 'integer' },
  { name: 'outcome', pg: 'varchar' },
  { name: 'error', pg: 'text' },
  { name: 'provider_response', pg: 'text' },
];

export interface NewAttempt {
  id: string;
  tenantId: string;
  deliveryId: string;
  attempt: number;
  startedAtUs: number;
  durationMs: number;
  outcome: 'delivered' | 'transient' | 'permanent';
  error: string | null;
  providerResponse: string | null;
}

export interface Thread {
  alertId: string;
  channelId: string;
  slackChannel: string | null;
  slackTs: string | null;
  emailMessageId: string | null;
  single: boolean;
}

export interface GroupRecord {
  tenantId: string;
  routeId: string;
  groupKey: string;
  labels: string;
  members: string;
  changed: number;
  firstAtUs: number;
  nextAtUs: number | null;
  lastSentAtUs: number | null;
  sent: number;
}

export interface EscalationRecord {
  tenantId: string;
  alertId: string;
  routeId: string;
  policyId: string;
  step: number;
  round: number;
  nextAtUs: number | null;
  stopped: string | null;
  alert: string;
}

/** A row to lock: PostgreSQL skips rows another worker holds; SQLite has one writer at a time. */
function lockSuffix(sql: Sql): string {
  return sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function deliveryOf(row: Row): Delivery {
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
    sourceKey: String(row['source_key']),
    routeId: String(row['route_id']),
    channelId: String(row['channel_id']),
    alertId: (row['alert_id'] as string | null) ?? null,
    kind: String(row['kind']),
    status: row['status'] as DeliveryStatus,
    content: String(row['content']),
    groupKey: (row['group_key'] as string | null) ?? null,
    parentId: (row['parent_id'] as string | null) ?? null,
    attempts: num(row['attempts']),
    nextAtUs: numOrNull(row['next_at_us']),
    lastError: (row['last_error'] as string | null) ?? null,
    providerResponse: (row['provider_response'] as string | null) ?? null,
    createdAtUs: num(row['created_at_us']),
    updatedAtUs: num(row['updated_at_us']),
    deliveredAtUs: numOrNull(row['delivered_at_us']),
  };
}

/** The SQL of the engine's tables. Every call runs inside the caller's transaction. */
@Injectable()
export class DeliveryStore {
  // ---- deliveries -------------------------------------------------------------------------------

  /** New deliveries; one already planned for the same cause, route and channel is left as it is. */
  async insert(sql: Sql, rows: readonly NewDelivery[]): Promise<void> {
    if (!rows.length) return;
    await sql.insert(
      'notification_deliveries',
      DELIVERY_COLUMNS,
      rows.map((r) => [
        r.id,
        r.tenantId,
        r.sourceKey,
        r.routeId,
        r.channelId,
        r.alertId,
        r.kind,
        r.status,
        r.content,
        r.groupKey,
        r.parentId,
        0,
        r.nextAtUs,
        r.nowUs,
        r.nowUs,
      ]),
      'ON CONFLICT (tenant_id, source_key, route_id, channel_id) DO NOTHING',
    );
  }

  async byIds(sql: Sql, tenantId: string, ids: readonly string[]): Promise<Delivery[]> {
    const found: Delivery[] = [];
    for (const part of chunks(ids)) {
      if (!part.length) continue;
      const rows = await sql.query(`${SELECT_DELIVERY} WHERE tenant_id = ? AND id IN (${placeholders(part.length)})`, [
        tenantId,
        ...part,
      ]);
      found.push(...rows.map(deliveryOf));
    }
    return found;
  }

  /**
   * Every tenant's deliveries due to be sent, claimed (platform transaction): pending ones whose time
   * has come, and sending ones whose claim ran out (the worker that took them stopped). A claim moves
   * `next_at_us` to the end of its lease, so no other worker takes them meanwhile.
   */
  async claimDue(sql: Sql, nowUs: number, leaseUs: number, limit: number): Promise<Delivery[]> {
    // With each delivery, the thread its alert already has on the channel (follow-ups go into it).
    const rows = await sql.query(
      `SELECT d.id, d.tenant_id, d.source_key, d.route_id, d.channel_id, d.alert_id, d.kind, d.status, d.content,
         d.group_key, d.parent_id, d.attempts, d.next_at_us, d.last_error, d.provider_response, d.created_at_us,
         d.updated_at_us, d.delivered_at_us, t.slack_channel AS thread_slack_channel, t.slack_ts AS thread_slack_ts,
         t.email_message_id AS thread_email_message_id, t.single AS thread_single
       FROM notification_deliveries d LEFT JOIN notification_threads t
         ON t.tenant_id = d.tenant_id AND t.alert_id = d.alert_id AND t.channel_id = d.channel_id
       WHERE d.status IN ('pending', 'sending') AND d.next_at_us <= ?
       ORDER BY d.next_at_us LIMIT ${Math.trunc(limit)}${sql.dialect === 'postgres' ? ' FOR UPDATE OF d SKIP LOCKED' : ''}`,
      [nowUs],
    );
    const due = rows.map((row): Delivery => {
      const delivery = deliveryOf(row);
      if (row['thread_single'] === null || row['thread_single'] === undefined) return delivery;
      return {
        ...delivery,
        thread: {
          alertId: delivery.alertId!,
          channelId: delivery.channelId,
          slackChannel: (row['thread_slack_channel'] as string | null) ?? null,
          slackTs: (row['thread_slack_ts'] as string | null) ?? null,
          emailMessageId: (row['thread_email_message_id'] as string | null) ?? null,
          single: Boolean(row['thread_single']),
        },
      };
    });
    for (const part of chunks(due)) {
      if (part.length)
        await sql.run(
          `UPDATE notification_deliveries SET status = 'sending', next_at_us = ?, updated_at_us = ? WHERE id IN (${placeholders(part.length)})`,
          [nowUs + leaseUs, nowUs, ...part.map((d) => d.id)],
        );
    }
    return due;
  }

  /** Puts claimed deliveries back to wait until `nextAtUs` (a paced channel's turn). */
  async release(sql: Sql, tenantId: string, ids: readonly string[], nextAtUs: number, nowUs: number): Promise<void> {
    for (const part of chunks(ids)) {
      if (part.length)
        await sql.run(
          `UPDATE notification_deliveries SET status = 'pending', next_at_us = ?, updated_at_us = ?
           WHERE tenant_id = ? AND id IN (${placeholders(part.length)})`,
          [nextAtUs, nowUs, tenantId, ...part],
        );
    }
  }

  /**
   * Takes each channel's turn if it is free (its last turn at least `intervalUs` ago and no wait asked
   * for): one upsert that moves the channel's next free time forward only where it has passed, so of
   * two replicas asking at once one gets the turn and the other waits on the row lock, then finds it
   * taken. Platform work: the channels of every tenant in a claim at once. Returns how long each
   * channel must wait, in microseconds, by tenant then channel: 0 for a turn taken.
   */
  async takeTurns(
    sql: Sql,
    channels: readonly { tenantId: string; channelId: string }[],
    nowUs: number,
    intervalUs: number,
  ): Promise<Map<string, Map<string, number>>> {
    const waits = new Map<string, Map<string, number>>();
    const set = (tenantId: string, channelId: string, waitUs: number) => {
      const forTenant = waits.get(tenantId) ?? new Map<string, number>();
      forTenant.set(channelId, waitUs);
      waits.set(tenantId, forTenant);
    };
    const key = (tenantId: string, channelId: string) => `${tenantId}\u0000${channelId.toLowerCase()}`;
    // In a fixed order, so two replicas lock the rows alike.
    const sorted = [...channels].sort((x, y) => byCodeUnit(key(x.tenantId, x.channelId), key(y.tenantId, y.channelId)));
    if (sorted.length === 0) return waits;
    const taken = await sql.insert<Row>(
      'notification_channel_pace',
      PACE_COLUMNS,
      sorted.map((c) => [c.tenantId, c.channelId, nowUs + intervalUs]),
      `ON CONFLICT (tenant_id, channel_id) DO UPDATE SET free_at_us = excluded.free_at_us
       WHERE notification_channel_pace.free_at_us <= excluded.free_at_us - ${Math.trunc(intervalUs)}
       RETURNING tenant_id, channel_id`,
    );
    const got = new Set(taken.map((row) => key(String(row['tenant_id']), String(row['channel_id']))));
    const others = sorted.filter((c) => !got.has(key(c.tenantId, c.channelId)));
    for (const c of sorted) if (got.has(key(c.tenantId, c.channelId))) set(c.tenantId, c.channelId, 0);
    for (const part of chunks(others, PACE_LOOKUP_CHUNK)) {
      if (part.length === 0) continue;
      const rows =
        sql.dialect === 'postgres'
          ? await sql.query<Row>(
              `SELECT tenant_id, channel_id, free_at_us FROM notification_channel_pace
               WHERE (tenant_id, channel_id) IN (SELECT * FROM unnest(CAST(? AS varchar[]), CAST(? AS uuid[])))`,
              [part.map((c) => c.tenantId), part.map((c) => c.channelId)],
            )
          : await sql.query<Row>(
              `SELECT tenant_id, channel_id, free_at_us FROM notification_channel_pace
               WHERE (tenant_id, channel_id) IN (VALUES ${part.map(() => '(?, ?)').join(', ')})`,
              part.flatMap((c) => [c.tenantId, c.channelId]),
            );
      const freeAt = new Map(
        rows.map((row) => [key(String(row['tenant_id']), String(row['channel_id'])), Number(row['free_at_us'])]),
      );
      // A row no longer there (deleted meanwhile) is no reason to wait long: one interval.
      for (const c of part)
        set(
          c.tenantId,
          c.channelId,
          Math.max(1, (freeAt.get(key(c.tenantId, c.channelId)) ?? nowUs + intervalUs) - nowUs),
        );
    }
    return waits;
  }

  /**
   * The provider asked to wait: no replica sends to these channels before their time (µs). One
   * statement, the rows in the order takeTurns locks them, so the two never wait on each other in a
   * circle.
   */
  async pauseChannels(sql: Sql, tenantId: string, until: ReadonlyMap<string, number>): Promise<void> {
    if (until.size === 0) return;
    await sql.insert(
      'notification_channel_pace',
      PACE_COLUMNS,
      [...until]
        .sort(([x], [y]) => byCodeUnit(x.toLowerCase(), y.toLowerCase()))
        .map(([channelId, untilUs]) => [tenantId, channelId, untilUs]),
      `ON CONFLICT (tenant_id, channel_id) DO UPDATE SET free_at_us = CASE
         WHEN excluded.free_at_us > notification_channel_pace.free_at_us THEN excluded.free_at_us
         ELSE notification_channel_pace.free_at_us END`,
    );
  }

  /** Deliveries carried by another's message: `grouped` under it, no longer due. */
  async markGrouped(
    sql: Sql,
    tenantId: string,
    ids: readonly string[],
    parentId: string,
    nowUs: number,
  ): Promise<void> {
    for (const part of chunks(ids)) {
      if (part.length)
        await sql.run(
          `UPDATE notification_deliveries SET status = 'grouped', parent_id = ?, next_at_us = NULL, updated_at_us = ?
           WHERE tenant_id = ? AND id IN (${placeholders(part.length)})`,
          [parentId, nowUs, tenantId, ...part],
        );
    }
  }

  /** Deliveries of a route's group waiting for its next message (pending with no time of their own). */
  async groupWaiting(sql: Sql, tenantId: string, routeId: string, groupKey: string): Promise<Delivery[]> {
    const rows = await sql.query(
      `${SELECT_DELIVERY} WHERE tenant_id = ? AND route_id = ? AND group_key = ? AND status = 'pending' AND next_at_us IS NULL AND parent_id IS NULL`,
      [tenantId, routeId, groupKey],
    );
    return rows.map(deliveryOf);
  }

  /** Every tenant's (route, channel) pairs with held deliveries whose quiet period ended (platform). */
  async dueHeld(
    sql: Sql,
    nowUs: number,
    limit: number,
  ): Promise<{ tenantId: string; routeId: string; channelId: string }[]> {
    const rows = await sql.query(
      `SELECT DISTINCT tenant_id, route_id, channel_id FROM notification_deliveries
       WHERE status = 'held' AND next_at_us <= ? LIMIT ${Math.trunc(limit)}`,
      [nowUs],
    );
    return rows.map((r) => ({
      tenantId: String(r['tenant_id']),
      routeId: String(r['route_id']),
      channelId: String(r['channel_id']),
    }));
  }

  /** The held deliveries of a route and channel that are due, locked. */
  async lockHeld(sql: Sql, tenantId: string, routeId: string, channelId: string, nowUs: number): Promise<Delivery[]> {
    const rows = await sql.query(
      `${SELECT_DELIVERY} WHERE tenant_id = ? AND route_id = ? AND channel_id = ? AND status = 'held' AND next_at_us <= ?
       ORDER BY created_at_us, id${lockSuffix(sql)}`,
      [tenantId, routeId, channelId, nowUs],
    );
    return rows.map(deliveryOf);
  }

  /** Makes deliveries due now (a held one whose quiet period ended, going alone). */
  async makeDue(sql: Sql, tenantId: string, ids: readonly string[], nowUs: number): Promise<void> {
    await this.release(sql, tenantId, ids, nowUs, nowUs);
  }

  /** The outcomes of attempts: their records in one insert, and each delivery's new state. */
  async recordAttempts(
    sql: Sql,
    outcomes: readonly {
      attempt: NewAttempt;
      next: { status: DeliveryStatus; nextAtUs: number | null; lastError: string | null; deliveredAtUs: number | null };
    }[],
    nowUs: number,
  ): Promise<void> {
    if (!outcomes.length) return;
    await sql.insert(
      'notification_delivery_attempts',
      ATTEMPT_COLUMNS,
      outcomes.map(({ attempt: a }) => [
        a.id,
        a.tenantId,
        a.deliveryId,
        a.attempt,
        a.startedAtUs,
        a.durationMs,
        a.outcome,
        a.error,
        a.providerResponse,
      ]),
    );
    for (const { attempt, next } of outcomes)
      await sql.run(
        `UPDATE notification_deliveries SET status = ?, attempts = ?, next_at_us = ?, last_error = ?, provider_response = ?,
           delivered_at_us = COALESCE(?, delivered_at_us), updated_at_us = ?
         WHERE tenant_id = ? AND id = ?`,
        [
          next.status,
          attempt.attempt,
          next.nextAtUs,
          next.lastError,
          attempt.providerResponse,
          next.deliveredAtUs,
          nowUs,
          attempt.tenantId,
          attempt.deliveryId,
        ],
      );
  }

  /** A delivery that cannot be sent at all (its channel was deleted): failed, without an attempt. */
  async fail(sql: Sql, tenantId: string, id: string, error: string, nowUs: number): Promise<void> {
    await sql.run(
      `UPDATE notification_deliveries SET status = 'failed', next_at_us = NULL, last_error = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?`,
      [error, nowUs, tenantId, id],
    );
  }

  // ---- threads ----------------------------------------------------------------------------------

  /** The first message of alerts on a channel; an alert that has one keeps it. */
  async insertThreads(sql: Sql, tenantId: string, threads: readonly Thread[], nowUs: number): Promise<void> {
    if (!threads.length) return;
    await sql.insert(
      'notification_threads',
      [
        { name: 'tenant_id', pg: 'varchar' },
        { name: 'alert_id', pg: 'uuid' },
        { name: 'channel_id', pg: 'uuid' },
        { name: 'slack_channel', pg: 'varchar' },
        { name: 'slack_ts', pg: 'varchar' },
        { name: 'email_message_id', pg: 'varchar' },
        { name: 'single', pg: 'boolean' },
        { name: 'created_at_us', pg: 'bigint' },
      ],
      threads.map((t) => [
        tenantId,
        t.alertId,
        t.channelId,
        t.slackChannel,
        t.slackTs,
        t.emailMessageId,
        t.single,
        nowUs,
      ]),
      'ON CONFLICT (tenant_id, alert_id, channel_id) DO NOTHING',
    );
  }

  /** Which tenant's alert a Slack message belongs to (platform: a click names no tenant). */
  async slackOwner(
    sql: Sql,
    channel: string,
    ts: string,
  ): Promise<{ tenantId: string; alertId: string; channelId: string } | null> {
    const rows = await sql.query(
      `SELECT tenant_id, alert_id, channel_id FROM notification_threads WHERE slack_channel = ? AND slack_ts = ?
       ORDER BY single DESC, created_at_us LIMIT 1`,
      [channel, ts],
    );
    const row = rows[0];
    return row
      ? { tenantId: String(row['tenant_id']), alertId: String(row['alert_id']), channelId: String(row['channel_id']) }
      : null;
  }

  // ---- groups -----------------------------------------------------------------------------------

  async lockGroup(sql: Sql, tenantId: string, routeId: string, groupKey: string): Promise<GroupRecord | null> {
    const rows = await sql.query(
      `SELECT tenant_id, route_id, group_key, labels, members, changed, first_at_us, next_at_us, last_sent_at_us, sent
       FROM notification_groups WHERE tenant_id = ? AND route_id = ? AND group_key = ?${sql.dialect === 'postgres' ? ' FOR UPDATE' : ''}`,
      [tenantId, routeId, groupKey],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      tenantId,
      routeId,
      groupKey,
      labels: String(r['labels']),
      members: String(r['members']),
      changed: num(r['changed']),
      firstAtUs: num(r['first_at_us']),
      nextAtUs: numOrNull(r['next_at_us']),
      lastSentAtUs: numOrNull(r['last_sent_at_us']),
      sent: num(r['sent']),
    };
  }

  async saveGroup(sql: Sql, group: GroupRecord, nowUs: number): Promise<void> {
    const changed = await sql.run(
      `UPDATE notification_groups SET labels = ?, members = ?, changed = ?, next_at_us = ?, last_sent_at_us = ?, sent = ?, updated_at_us = ?
       WHERE tenant_id = ? AND route_id = ? AND group_key = ?`,
      [
        group.labels,
        group.members,
        group.changed,
        group.nextAtUs,
        group.lastSentAtUs,
        group.sent,
        nowUs,
        group.tenantId,
        group.routeId,
        group.groupKey,
      ],
    );
    if (changed) return;
    await sql.run(
      `INSERT INTO notification_groups (tenant_id, route_id, group_key, labels, members, changed, first_at_us, next_at_us, last_sent_at_us, sent, updated_at_us)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        group.tenantId,
        group.routeId,
        group.groupKey,
        group.labels,
        group.members,
        group.changed,
        group.firstAtUs,
        group.nextAtUs,
        group.lastSentAtUs,
        group.sent,
        nowUs,
      ],
    );
  }

  async deleteGroup(sql: Sql, tenantId: string, routeId: string, groupKey: string): Promise<void> {
    await sql.run('DELETE FROM notification_groups WHERE tenant_id = ? AND route_id = ? AND group_key = ?', [
      tenantId,
      routeId,
      groupKey,
    ]);
  }

  /** Every tenant's groups that are due (platform). */
  async dueGroups(
    sql: Sql,
    nowUs: number,
    limit: number,
  ): Promise<{ tenantId: string; routeId: string; groupKey: string }[]> {
    const rows = await sql.query(
      `SELECT tenant_id, route_id, group_key FROM notification_groups WHERE next_at_us <= ? ORDER BY next_at_us LIMIT ${Math.trunc(limit)}`,
      [nowUs],
    );
    return rows.map((r) => ({
      tenantId: String(r['tenant_id']),
      routeId: String(r['route_id']),
      groupKey: String(r['group_key']),
    }));
  }

  // ---- escalations ------------------------------------------------------------------------------

  /** Starts (or restarts, after the alert fired again) an alert's escalation on a route. */
  async startEscalation(sql: Sql, e: EscalationRecord, nowUs: number): Promise<void> {
    const changed = await sql.run(
      `UPDATE notification_escalations SET policy_id = ?, step = ?, round = ?, next_at_us = ?, stopped = NULL, alert = ?, updated_at_us = ?
       WHERE tenant_id = ? AND alert_id = ? AND route_id = ? AND stopped IS NOT NULL`,
      [e.policyId, e.step, e.round, e.nextAtUs, e.alert, nowUs, e.tenantId, e.alertId, e.routeId],
    );
    if (changed) return;
    await sql.run(
      `INSERT INTO notification_escalations (tenant_id, alert_id, route_id, policy_id, step, round, next_at_us, stopped, alert, created_at_us, updated_at_us)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (tenant_id, alert_id, route_id) DO NOTHING`,
      [e.tenantId, e.alertId, e.routeId, e.policyId, e.step, e.round, e.nextAtUs, e.alert, nowUs, nowUs],
    );
  }

  /** Stops every running escalation of an alert. */
  async stopEscalations(sql: Sql, tenantId: string, alertId: string, reason: string, nowUs: number): Promise<number> {
    return sql.run(
      `UPDATE notification_escalations SET stopped = ?, next_at_us = NULL, updated_at_us = ?
       WHERE tenant_id = ? AND alert_id = ? AND stopped IS NULL`,
      [reason, nowUs, tenantId, alertId],
    );
  }

  async dueEscalations(
    sql: Sql,
    nowUs: number,
    limit: number,
  ): Promise<{ tenantId: string; alertId: string; routeId: string }[]> {
    const rows = await sql.query(
      `SELECT tenant_id, alert_id, route_id FROM notification_escalations WHERE next_at_us <= ? ORDER BY next_at_us LIMIT ${Math.trunc(limit)}`,
      [nowUs],
    );
    return rows.map((r) => ({
      tenantId: String(r['tenant_id']),
      alertId: String(r['alert_id']),
      routeId: String(r['route_id']),
    }));
  }

  async lockEscalation(sql: Sql, tenantId: string, alertId: string, routeId: string): Promise<EscalationRecord | null> {
    const rows = await sql.query(
      `SELECT policy_id, step, round, next_at_us, stopped, alert FROM notification_escalations
       WHERE tenant_id = ? AND alert_id = ? AND route_id = ?${lockSuffix(sql)}`,
      [tenantId, alertId, routeId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      tenantId,
      alertId,
      routeId,
      policyId: String(r['policy_id']),
      step: num(r['step']),
      round: num(r['round']),
      nextAtUs: numOrNull(r['next_at_us']),
      stopped: (r['stopped'] as string | null) ?? null,
      alert: String(r['alert']),
    };
  }

  async saveEscalation(sql: Sql, e: EscalationRecord, nowUs: number): Promise<void> {
    await sql.run(
      `UPDATE notification_escalations SET step = ?, round = ?, next_at_us = ?, stopped = ?, updated_at_us = ?
       WHERE tenant_id = ? AND alert_id = ? AND route_id = ?`,
      [e.step, e.round, e.nextAtUs, e.stopped, nowUs, e.tenantId, e.alertId, e.routeId],
    );
  }
}
