import { Inject, Injectable } from '@nestjs/common';
import { dialectOf, runAsPlatform, runInTenant, TENANT_ROLE, TENANT_SETTING, type Dialect } from '@vigil/persistence';
import { DataSource, type EntityManager } from 'typeorm';

export type Row = Record<string, unknown>;

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
}

/** A column of a multi-row insert: its name and its PostgreSQL type (for unnest's array casts). */
export interface Column {
  name: string;
  pg: string;
}

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
  const perStatement = Math.max(1, Math.floor(30_000 / columns.length));
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

function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function sqlOf(manager: EntityManager, dialect: Dialect): Sql {
  const text = (sql: string) => (dialect === 'postgres' ? numbered(sql) : sql);
  const returning = (suffix: string) => /\bRETURNING\b/i.test(suffix);
  return {
    dialect,
    async insert<T extends Row>(
      table: string,
      columns: readonly Column[],
      rows: readonly (readonly unknown[])[],
      suffix = '',
    ) {
      const out: T[] = [];
      for (const statement of insertStatements(dialect, table, columns, rows, suffix)) {
        if (returning(suffix)) out.push(...(await manager.query<T[]>(text(statement.sql), statement.params)));
        else await manager.queryRunner!.query(text(statement.sql), statement.params, true);
      }
      return out;
    },
    query: <T extends Row>(sql: string, params: readonly unknown[] = []) => manager.query<T[]>(text(sql), [...params]),
    async run(sql: string, params: readonly unknown[] = []) {
      // Every Sql lives inside a transaction, so the manager has its query runner.
      const result = (await manager.queryRunner!.query(text(sql), [...params], true)) as { affected?: number };
      return result.affected ?? 0;
    },
  };
}

/**
 * The alert service's database access. Tenant work runs in `runInTenant` (row-level security on
 * PostgreSQL); cross-tenant work (the outbox relay) in `runAsPlatform`. SQLite has one connection
 * shared by every query runner, so two transactions must never interleave: there, every unit of
 * work is serialised here (better-sqlite3 is synchronous, so this costs nothing but ordering).
 */
@Injectable()
export class AlertDb {
  readonly dialect: Dialect;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@Inject(DataSource) readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /** One transaction scoped to a tenant. */
  inTenant<T>(tenantId: string, work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.serial(() => runInTenant(this.dataSource, tenantId, (manager) => work(sqlOf(manager, this.dialect))));
  }

  /** One transaction over every tenant's rows: the outbox relay only. */
  asPlatform<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    return this.serial(() => runAsPlatform(this.dataSource, (manager) => work(sqlOf(manager, this.dialect))));
  }

  /**
   * One transaction for an ingest batch spanning tenants. `work` first gets the transaction as the
   * service (for the inbox, a platform table), then calls `enter(tenantId)` before each tenant's
   * part: on PostgreSQL that switches to the tenant role and binds the tenant, exactly as
   * runInTenant does, but within the one transaction, so the batch commits once.
   */
  batch<T>(work: (sql: Sql, enter: (tenantId: string) => Promise<void>) => Promise<T>): Promise<T> {
    return this.serial(() =>
      this.dataSource.transaction(async (manager) => {
        const sql = sqlOf(manager, this.dialect);
        let role = false;
        const enter = async (tenantId: string) => {
          if (this.dialect !== 'postgres') return;
          if (!role) await manager.query(`SET LOCAL ROLE ${TENANT_ROLE}`);
          role = true;
          await manager.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, tenantId]);
        };
        return work(sql, enter);
      }),
    );
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return fn();
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
