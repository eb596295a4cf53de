import type { Dialect } from '../types.js';
import type { Column, Sql } from '../sql.js';

const INBOX_COLUMNS: readonly Column[] = [
  { name: 'consumer', pg: 'varchar' },
  { name: 'envelope_id', pg: 'uuid' },
  { name: 'handled_at', pg: 'timestamptz' },
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A timestamp as the inbox's `handled_at` column stores it (TypeORM's datetime text on SQLite). */
export function timestampParam(dialect: Dialect, at: Date): Date | string {
  return dialect === 'postgres' ? at : at.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Records the envelope ids as handled by `consumer`, in the caller's transaction; returns the ids
 * recorded by this call. An id already there (a redelivery) is not returned, and a concurrent claim
 * of the same id waits on the first transaction's key lock, then finds the row: so the handler's
 * writes, committed with the claim, happen once per envelope.
 */
export async function claimEnvelopes(
  sql: Sql,
  consumer: string,
  envelopeIds: readonly string[],
  at = new Date(),
): Promise<Set<string>> {
  if (consumer.length === 0 || consumer.length > 200)
    throw new RangeError(`inbox consumer must be 1 to 200 characters (got ${consumer.length})`);
  const unique = [...new Set(envelopeIds)];
  // PostgreSQL's uuid column would refuse another id; SQLite would not: refuse it in both.
  const bad = unique.find((id) => !UUID.test(id));
  if (bad !== undefined) throw new TypeError(`inbox envelope id must be a UUID (got "${bad}")`);
  const rows =
    sql.dialect === 'postgres'
      ? // One array parameter, the time taken by the server: nothing per row to serialise.
        await sql.query(
          'INSERT INTO inbox (consumer, envelope_id, handled_at) SELECT ?, id, ? FROM unnest(?::uuid[]) AS id ON CONFLICT DO NOTHING RETURNING envelope_id',
          [consumer, at, unique],
        )
      : await sql.insert(
          'inbox',
          INBOX_COLUMNS,
          unique.map((id) => [consumer, id, timestampParam(sql.dialect, at)]),
          'ON CONFLICT DO NOTHING RETURNING envelope_id',
        );
  return new Set(rows.map((row) => String(row['envelope_id']).toLowerCase()));
}

/** Deletes up to `limit` inbox rows handled before `before`; returns how many. */
export function pruneInbox(sql: Sql, before: Date, limit: number): Promise<number> {
  return sql.run(
    `DELETE FROM inbox WHERE (consumer, envelope_id) IN (SELECT consumer, envelope_id FROM inbox WHERE handled_at < ? LIMIT ${Math.trunc(limit)})`,
    [timestampParam(sql.dialect, before)],
  );
}
