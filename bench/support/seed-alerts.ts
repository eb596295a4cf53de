import type pg from 'pg';

/**
 * Seeds `rows` alerts spread over `tenantIds` straight into the alert service's tables, with one
 * INSERT … SELECT generate_series each (as a superuser: row-level security does not apply). Shared
 * by the benchmarks so the seeding follows the alert schema in one place.
 */
export async function seedAlerts(client: pg.Client, tenantIds: readonly string[], rows: number): Promise<void> {
  const now = Date.now() * 1000;
  await client.query(
    `INSERT INTO vigil_alert.alerts
    (tenant_id, id, fingerprint, alert_type, severity, severity_rank, status, source, silenced, occurrences, doc, steps,
     started_at_us, triggered_at_us, last_seen_at_us, acknowledged_at_us, resolved_at_us, created_at_us, updated_at_us, occ_logged_at_us, occ_logged)
    SELECT ($3::text[])[g % cardinality($3::text[]) + 1], md5('seed' || g)::uuid, 'seed-' || g, 'type-' || (g % 20),
      (ARRAY['critical','high','warning','low','info'])[g % 5 + 1], 5 - g % 5,
      (ARRAY['triggered','acknowledged','resolved','resolved'])[g % 4 + 1], 'alertmanager', false, 1 + g % 7,
      json_build_object('alertType', 'type-' || (g % 20), 'runbook', 'https://runbooks.example.com/x', 'severity', (ARRAY['critical','high','warning','low','info'])[g % 5 + 1],
        'timestamp', ($1::bigint - g * 1000)::text, 'environment', 'production', 'fingerprint', 'seed-' || g,
        'labels', json_build_object('alertname', 'Seed' || (g % 50), 'service', 'svc-' || (g % 30), 'pod', 'pod-' || (g % 5000)),
        'summary', 'seeded alert ' || g, 'data', json_build_object('n', g))::text,
      '{"acknowledged":null,"resolved":null}',
      $1::bigint - g * 1000, $1::bigint - g * 1000, $1::bigint - g * 1000 + (g % 997) * 1000, NULL, NULL, $1::bigint - g * 1000, $1::bigint - g * 1000, $1::bigint - g * 1000, 1
    FROM generate_series(1, $2::int) AS g`,
    [now, rows, tenantIds],
  );
  await client.query(
    `INSERT INTO vigil_alert.alert_search (tenant_id, id, labels, search)
    SELECT ($2::text[])[g % cardinality($2::text[]) + 1], md5('seed' || g)::uuid,
      json_build_object('alertname', 'Seed' || (g % 50), 'service', 'svc-' || (g % 30), 'pod', 'pod-' || (g % 5000))::text,
      lower('seeded alert ' || g || E'\n\nalertname=seed' || (g % 50) || E'\nservice=svc-' || (g % 30) || E'\npod=pod-' || (g % 5000))
    FROM generate_series(1, $1::int) AS g`,
    [rows, tenantIds],
  );
  await client.query('ANALYZE vigil_alert.alert_search');
  await client.query('ANALYZE vigil_alert.alerts');
}
