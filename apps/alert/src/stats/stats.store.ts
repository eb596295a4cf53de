import { Injectable } from '@nestjs/common';
import type { Row, Sql } from '@vigil/persistence';
import type { Micros } from '../alerts/time.js';
import type { StatsGroup } from './stats.js';

/** SQL of the stats: the groups every figure is computed from, and the most frequent alert types. */
@Injectable()
export class StatsStore {
  async groups(sql: Sql, tenantId: string, from: Micros): Promise<StatsGroup[]> {
    const rows = await sql.query<Row>(
      `SELECT status, severity, source, COUNT(*) AS n,
         COUNT(acknowledged_at_us) AS ack_n, SUM((acknowledged_at_us - triggered_at_us) / 1000000.0) AS ack_s,
         COUNT(resolved_at_us) AS res_n, SUM((resolved_at_us - triggered_at_us) / 1000000.0) AS res_s
       FROM alerts WHERE tenant_id = ? AND last_seen_at_us >= ? GROUP BY status, severity, source`,
      [tenantId, from],
    );
    return rows.map((g): StatsGroup => ({
      status: g['status'] as StatsGroup['status'],
      severity: g['severity'] as StatsGroup['severity'],
      source: g['source'] as string,
      count: Number(g['n']),
      acknowledgedCount: Number(g['ack_n']),
      acknowledgeSeconds: Number(g['ack_s'] ?? 0),
      resolvedCount: Number(g['res_n']),
      resolveSeconds: Number(g['res_s'] ?? 0),
    }));
  }

  async topAlertTypes(
    sql: Sql,
    tenantId: string,
    from: Micros,
    limit = 10,
  ): Promise<{ alertType: string; count: number }[]> {
    const rows = await sql.query<Row>(
      `SELECT alert_type, COUNT(*) AS n FROM alerts WHERE tenant_id = ? AND last_seen_at_us >= ? GROUP BY alert_type ORDER BY n DESC, alert_type LIMIT ${limit}`,
      [tenantId, from],
    );
    return rows.map((t) => ({ alertType: t['alert_type'] as string, count: Number(t['n']) }));
  }
}
