import type { EntityManager } from 'typeorm';
import type { Dialect } from './types.js';

export type Row = Record<string, unknown>;

/** A column of a multi-row insert: its name and its PostgreSQL type (for unnest's array casts). */
export interface Column {
  name: string;
  pg: string;
}

/** A query function bound to one transaction: `?` placeholders in both dialects. */
export interface Sql {
  readonly dialect: Dialect;
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** INSERT/UPDATE/DELETE: how many rows it affected. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Multi-row insert (see insertStatements); with a `RETURNING` suffix, the returned rows. */
  insert<T extends Row = Row>(
    table: string,
    columns: readonly Column[],
    rows: readonly (readonly unknown[])[],
    suffix?: string,
  ): Promise<T[]>;
  /**
   * Several multi-row inserts (no RETURNING) into different tables. PostgreSQL: one statement, the
   * inserts as data-modifying CTEs (one round trip instead of one each); SQLite: one after another.
   */
  insertAll(inserts: readonly MultiRowInsert[]): Promise<void>;
}

/** One multi-row insert for Sql.insertAll. */
export interface MultiRowInsert {
  table: string;
  columns: readonly Column[];
  rows: readonly (readonly unknown[])[];
  /** `ON CONFLICT …`; no RETURNING. */
  suffix?: string;
}

/** Most parameters one SQLite statement takes here (its limit is 32,766). */
const SQLITE_MAX_PARAMETERS = 30_000;

/**
 * Multi-row INSERT statements. PostgreSQL: `INSERT … SELECT * FROM unnest(?::type[], …)` — one
 * parameter per column whatever the row count, so no thousands-of-placeholders statement to parse
 * and plan. SQLite: `VALUES (…), (…)` in chunks under its parameter limit. `suffix` is the
 * `ON CONFLICT …` / `RETURNING …` tail (same text in both dialects).
 */
export function insertStatements(
  dialect: Dialect,
  table: string,
  columns: readonly Column[],
  rows: readonly (readonly unknown[])[],
  suffix = '',
): { sql: string; params: unknown[] }[] {
  if (rows.length === 0) return [];
  const names = columns.map((c) => c.name).join(', ');
  if (dialect === 'postgres') {
    const arrays = columns.map((c) => `?::${c.pg}[]`).join(', ');
    return [
      {
        sql: `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays}) ${suffix}`,
        params: columns.map((_, i) => rows.map((row) => row[i])),
      },
    ];
  }
  const perStatement = Math.max(1, Math.floor(SQLITE_MAX_PARAMETERS / columns.length));
  const one = `(${columns.map(() => '?').join(', ')})`;
  const statements: { sql: string; params: unknown[] }[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    statements.push({
      sql: `INSERT INTO ${table} (${names}) VALUES ${Array(part.length).fill(one).join(', ')} ${suffix}`,
      params: part.flat(),
    });
  }
  return statements;
}

/** `a IN (?, ?, …)` lists are split into parts of this many ids. */
export const IN_LIST_SIZE = 10_000;

/** Splits items for statements with one parameter per item (IN lists). */
export function chunks<T>(items: readonly T[], size = IN_LIST_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return Array(count).fill('?').join(', ');
}

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The Sql of a transaction's entity manager (which must have its query runner: inside a transaction). */
export function sqlOf(manager: EntityManager, dialect: Dialect): Sql {
  const text = (sql: string) => (dialect === 'postgres' ? numbered(sql) : sql);
  const runner = () => {
    if (!manager.queryRunner) throw new Error('Sql is only available inside a transaction');
    return manager.queryRunner;
  };
  return {
    dialect,
    async insert<T extends Row>(
      table: string,
      columns: readonly Column[],
      rows: readonly (readonly unknown[])[],
      suffix = '',
    ) {
      const returning = /\bRETURNING\b/i.test(suffix);
      const out: T[] = [];
      for (const statement of insertStatements(dialect, table, columns, rows, suffix)) {
        if (returning) out.push(...(await manager.query<T[]>(text(statement.sql), statement.params)));
        else await runner().query(text(statement.sql), statement.params, true);
      }
      return out;
    },
    async insertAll(inserts: readonly MultiRowInsert[]) {
      const statements = inserts.flatMap((i) => insertStatements(dialect, i.table, i.columns, i.rows, i.suffix));
      if (dialect !== 'postgres' || statements.length < 2) {
        for (const statement of statements) await runner().query(text(statement.sql), statement.params, true);
        return;
      }
      const ctes = statements.map((statement, i) => `w${i} AS (${statement.sql})`).join(', ');
      await runner().query(
        text(`WITH ${ctes} SELECT 1`),
        statements.flatMap((statement) => statement.params),
        true,
      );
    },
    query: <T extends Row>(sql: string, params: readonly unknown[] = []) => manager.query<T[]>(text(sql), [...params]),
    async run(sql: string, params: readonly unknown[] = []) {
      const result = (await runner().query(text(sql), [...params], true)) as { affected?: number };
      return result.affected ?? 0;
    },
  };
}
