import type { DataSource } from 'typeorm';

/**
 * One entity definition, two dialects. Entities declare timestamps as `type: Date` (or use
 * `@CreateDateColumn` / `@UpdateDateColumn`): SQLite stores them as `datetime` (UTC text) and,
 * with this mapping, PostgreSQL as `timestamp with time zone` instead of TypeORM's default
 * `timestamp without time zone`, which would silently depend on the process time zone.
 */
export function applyPortableColumnTypes(dataSource: DataSource): void {
  if (dataSource.options.type !== 'postgres') return;
  const driver = dataSource.driver;
  const normalize = driver.normalizeType.bind(driver);
  driver.normalizeType = (column) =>
    column.type === Date || column.type === 'timestamp' || column.type === 'timestamptz'
      ? 'timestamp with time zone'
      : normalize(column);
}
