import { Injectable } from '@nestjs/common';
import { type HealthCheckAttempt, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

export const DEFAULT_DATABASE_CHECK_TIMEOUT_MS = 1_000;

/**
 * Readiness of the service's database for @nestjs/terminus: runs `SELECT 1` on the data source
 * (SQLite: reads its schema, so the file itself answers) and reports `down` when it fails or takes
 * longer than the timeout (terminus aborts the wait; on PostgreSQL the pool's connect timeout
 * bounds a stuck connection attempt).
 *
 *   @Get('ready') @HealthCheck()
 *   ready() { return this.health.check([() => this.database.check()]); }
 */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly healthIndicatorService: HealthIndicatorService,
    private readonly dataSource: DataSource,
  ) {}

  check<const Key extends string = 'database'>(
    key: Key = 'database' as Key,
    timeoutMs: number = DEFAULT_DATABASE_CHECK_TIMEOUT_MS,
  ): HealthCheckAttempt<Key> {
    return this.healthIndicatorService
      .check(key)
      .attempt(async () => {
        if (!this.dataSource.isInitialized) throw new Error('database connection is closed');
        const postgres = this.dataSource.options.type === 'postgres';
        // SQLite answers SELECT 1 without its file: reading the schema opens a read transaction on it.
        await this.dataSource.query(postgres ? 'SELECT 1' : 'SELECT count(*) FROM sqlite_master');
        return { dialect: postgres ? 'postgres' : 'sqlite' };
      })
      .withTimeout(timeoutMs);
  }
}
