import { Injectable } from '@nestjs/common';
import type { ChannelType } from '@vigil/contracts';
import type { Row, Sql } from '@vigil/persistence';

/** A channel row as the service reads it (secrets still sealed). */
export interface StoredChannel {
  id: string;
  tenantId: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  secretNames: string[];
  sealedSecrets: string;
  healthy: boolean;
  lastError: string | null;
  lastErrorAtUs: bigint | null;
  createdAtUs: bigint;
  updatedAtUs: bigint;
  createdBy: string | null;
}

const COLUMNS =
  'id, tenant_id, name, type, config, secret_names, secrets, healthy, last_error, last_error_at_us, created_at_us, updated_at_us, created_by';

/** The SQL of notification_channels, in the caller's tenant-scoped transaction; every statement names the tenant too. */
@Injectable()
export class ChannelStore {
  async list(sql: Sql, tenantId: string): Promise<StoredChannel[]> {
    const rows = await sql.query(`SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = ? ORDER BY name, id`, [
      tenantId,
    ]);
    return rows.map(storedOf);
  }

  async get(sql: Sql, tenantId: string, id: string): Promise<StoredChannel | null> {
    const [row] = await sql.query(`SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = ? AND id = ?`, [
      tenantId,
      id,
    ]);
    return row ? storedOf(row) : null;
  }

  /** The tenant's channels among `ids` (those that exist). */
  async getMany(sql: Sql, tenantId: string, ids: readonly string[]): Promise<StoredChannel[]> {
    if (ids.length === 0) return [];
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM notification_channels WHERE tenant_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
      [tenantId, ...ids],
    );
    return rows.map(storedOf);
  }

  async count(sql: Sql, tenantId: string): Promise<number> {
    const [row] = await sql.query('SELECT COUNT(*) AS n FROM notification_channels WHERE tenant_id = ?', [tenantId]);
    return Number(row?.['n'] ?? 0);
  }

  async nameTaken(sql: Sql, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
    const rows = await sql.query('SELECT id FROM notification_channels WHERE tenant_id = ? AND name = ?', [
      tenantId,
      name,
    ]);
    return rows.some((row) => row['id'] !== exceptId);
  }

  async insert(sql: Sql, channel: StoredChannel): Promise<void> {
    await sql.run(`INSERT INTO notification_channels (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      channel.id,
      channel.tenantId,
      channel.name,
      channel.type,
      JSON.stringify(channel.config),
      JSON.stringify(channel.secretNames),
      channel.sealedSecrets,
      channel.healthy,
      channel.lastError,
      channel.lastErrorAtUs === null ? null : String(channel.lastErrorAtUs),
      String(channel.createdAtUs),
      String(channel.updatedAtUs),
      channel.createdBy,
    ]);
  }

  /** Writes every changeable column; false when the tenant has no such channel. */
  async update(sql: Sql, channel: StoredChannel): Promise<boolean> {
    const count = await sql.run(
      'UPDATE notification_channels SET name = ?, config = ?, secret_names = ?, secrets = ?, healthy = ?, last_error = ?, last_error_at_us = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?',
      [
        channel.name,
        JSON.stringify(channel.config),
        JSON.stringify(channel.secretNames),
        channel.sealedSecrets,
        channel.healthy,
        channel.lastError,
        channel.lastErrorAtUs === null ? null : String(channel.lastErrorAtUs),
        String(channel.updatedAtUs),
        channel.tenantId,
        channel.id,
      ],
    );
    return count > 0;
  }

  /** Records a send's outcome on the channel: healthy again, or unhealthy with the error and when. */
  async setHealth(
    sql: Sql,
    tenantId: string,
    id: string,
    health: { healthy: true } | { healthy: false; error: string; atUs: bigint },
  ): Promise<boolean> {
    const count = health.healthy
      ? await sql.run('UPDATE notification_channels SET healthy = ? WHERE tenant_id = ? AND id = ? AND healthy = ?', [
          true,
          tenantId,
          id,
          false,
        ])
      : await sql.run(
          'UPDATE notification_channels SET healthy = ?, last_error = ?, last_error_at_us = ? WHERE tenant_id = ? AND id = ?',
          [false, health.error, String(health.atUs), tenantId, id],
        );
    return count > 0;
  }

  /** False when the tenant has no such channel. */
  async delete(sql: Sql, tenantId: string, id: string): Promise<boolean> {
    return (await sql.run('DELETE FROM notification_channels WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0;
  }
}

function bigintOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : BigInt(value as string | number);
}

function storedOf(row: Row): StoredChannel {
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
    name: String(row['name']),
    type: String(row['type']) as ChannelType,
    config: JSON.parse(String(row['config'])) as Record<string, unknown>,
    secretNames: JSON.parse(String(row['secret_names'])) as string[],
    sealedSecrets: String(row['secrets']),
    healthy: Boolean(row['healthy']),
    lastError: (row['last_error'] as string | null) ?? null,
    lastErrorAtUs: bigintOrNull(row['last_error_at_us']),
    createdAtUs: BigInt(row['created_at_us'] as string | number),
    updatedAtUs: BigInt(row['updated_at_us'] as string | number),
    createdBy: (row['created_by'] as string | null) ?? null,
  };
}
