import { Injectable } from '@nestjs/common';
import type { LabelMatcherView, NotificationEventKind, QuietHoursView, Severity } from '@vigil/contracts';
import type { Row, Sql } from '@vigil/persistence';

/** A route row as the service reads it. */
export interface StoredRoute {
  id: string;
  tenantId: string;
  name: string;
  position: number;
  minSeverity: Severity | null;
  alertTypes: string[];
  labelMatchers: LabelMatcherView[];
  eventKinds: NotificationEventKind[];
  channelIds: string[];
  fallbackEmailChannelId: string | null;
  continue: boolean;
  groupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  quietHours: QuietHoursView | null;
  escalationPolicyId: string | null;
  createdAtUs: bigint;
  updatedAtUs: bigint;
  createdBy: string | null;
}

const COLUMNS =
  'id, tenant_id, name, position, min_severity, alert_types, label_matchers, event_kinds, channel_ids, fallback_email_channel_id, continue_matching, group_by, group_wait_s, group_interval_s, repeat_interval_s, quiet_hours, escalation_policy_id, created_at_us, updated_at_us, created_by';

function paramsOf(route: StoredRoute): unknown[] {
  return [
    route.id,
    route.tenantId,
    route.name,
    route.position,
    route.minSeverity,
    JSON.stringify(route.alertTypes),
    JSON.stringify(route.labelMatchers),
    JSON.stringify(route.eventKinds),
    JSON.stringify(route.channelIds),
    route.fallbackEmailChannelId,
    route.continue,
    JSON.stringify(route.groupBy),
    route.groupWaitSeconds,
    route.groupIntervalSeconds,
    route.repeatIntervalSeconds,
    route.quietHours === null ? null : JSON.stringify(route.quietHours),
    route.escalationPolicyId,
    String(route.createdAtUs),
    String(route.updatedAtUs),
    route.createdBy,
  ];
}

/** The SQL of notification_routes, in the caller's tenant-scoped transaction; every statement names the tenant too. */
@Injectable()
export class RouteStore {
  /** The tenant's routes in order. */
  async list(sql: Sql, tenantId: string): Promise<StoredRoute[]> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM notification_routes WHERE tenant_id = ? ORDER BY position, id`,
      [tenantId],
    );
    return rows.map(storedOf);
  }

  async insert(sql: Sql, route: StoredRoute): Promise<void> {
    await sql.run(
      `INSERT INTO notification_routes (${COLUMNS}) VALUES (${COLUMNS.split(',')
        .map(() => '?')
        .join(', ')})`,
      paramsOf(route),
    );
  }

  /** Writes every column but the id, tenant and creation; false when the tenant has no such route. */
  async update(sql: Sql, route: StoredRoute): Promise<boolean> {
    const [, , ...names] = COLUMNS.split(', ');
    const changeable = names.filter((name) => name !== 'created_at_us' && name !== 'created_by');
    const [id, tenantId, ...values] = paramsOf(route);
    const params = values.filter((_, index) => names[index] !== 'created_at_us' && names[index] !== 'created_by');
    const count = await sql.run(
      `UPDATE notification_routes SET ${changeable.map((name) => `${name} = ?`).join(', ')} WHERE tenant_id = ? AND id = ?`,
      [...params, tenantId, id],
    );
    return count > 0;
  }

  async setPosition(sql: Sql, tenantId: string, id: string, position: number): Promise<void> {
    await sql.run('UPDATE notification_routes SET position = ? WHERE tenant_id = ? AND id = ?', [
      position,
      tenantId,
      id,
    ]);
  }

  /** False when the tenant has no such route. */
  async delete(sql: Sql, tenantId: string, id: string): Promise<boolean> {
    return (await sql.run('DELETE FROM notification_routes WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0;
  }
}

function storedOf(row: Row): StoredRoute {
  const json = <T>(column: string): T => JSON.parse(String(row[column])) as T;
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
    name: String(row['name']),
    position: Number(row['position']),
    minSeverity: (row['min_severity'] as Severity | null) ?? null,
    alertTypes: json('alert_types'),
    labelMatchers: json('label_matchers'),
    eventKinds: json('event_kinds'),
    channelIds: json('channel_ids'),
    fallbackEmailChannelId: (row['fallback_email_channel_id'] as string | null) ?? null,
    continue: Boolean(row['continue_matching']),
    groupBy: json('group_by'),
    groupWaitSeconds: Number(row['group_wait_s']),
    groupIntervalSeconds: Number(row['group_interval_s']),
    repeatIntervalSeconds: Number(row['repeat_interval_s']),
    quietHours: row['quiet_hours'] === null || row['quiet_hours'] === undefined ? null : json('quiet_hours'),
    escalationPolicyId: (row['escalation_policy_id'] as string | null) ?? null,
    createdAtUs: BigInt(row['created_at_us'] as string | number),
    updatedAtUs: BigInt(row['updated_at_us'] as string | number),
    createdBy: (row['created_by'] as string | null) ?? null,
  };
}
