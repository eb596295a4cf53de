import { Injectable } from '@nestjs/common';
import type { Row, Sql } from '@vigil/persistence';

/** An escalation policy row as the service reads it. */
export interface StoredEscalationPolicy {
  id: string;
  tenantId: string;
  name: string;
  steps: { waitMinutes: number; channelIds: string[] }[];
  repeat: number;
  createdAtUs: bigint;
  updatedAtUs: bigint;
  createdBy: string | null;
}

const COLUMNS = 'id, tenant_id, name, steps, repeat, created_at_us, updated_at_us, created_by';

/** The SQL of notification_escalation_policies, in the caller's tenant-scoped transaction; every statement names the tenant too. */
@Injectable()
export class EscalationPolicyStore {
  async list(sql: Sql, tenantId: string): Promise<StoredEscalationPolicy[]> {
    const rows = await sql.query(
      `SELECT ${COLUMNS} FROM notification_escalation_policies WHERE tenant_id = ? ORDER BY name, id`,
      [tenantId],
    );
    return rows.map(storedOf);
  }

  async get(sql: Sql, tenantId: string, id: string): Promise<StoredEscalationPolicy | null> {
    const [row] = await sql.query(
      `SELECT ${COLUMNS} FROM notification_escalation_policies WHERE tenant_id = ? AND id = ?`,
      [tenantId, id],
    );
    return row ? storedOf(row) : null;
  }

  async insert(sql: Sql, policy: StoredEscalationPolicy): Promise<void> {
    await sql.run(`INSERT INTO notification_escalation_policies (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      policy.id,
      policy.tenantId,
      policy.name,
      JSON.stringify(policy.steps),
      policy.repeat,
      String(policy.createdAtUs),
      String(policy.updatedAtUs),
      policy.createdBy,
    ]);
  }

  /** False when the tenant has no such policy. */
  async update(sql: Sql, policy: StoredEscalationPolicy): Promise<boolean> {
    const count = await sql.run(
      'UPDATE notification_escalation_policies SET name = ?, steps = ?, repeat = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?',
      [
        policy.name,
        JSON.stringify(policy.steps),
        policy.repeat,
        String(policy.updatedAtUs),
        policy.tenantId,
        policy.id,
      ],
    );
    return count > 0;
  }

  /** False when the tenant has no such policy. */
  async delete(sql: Sql, tenantId: string, id: string): Promise<boolean> {
    return (
      (await sql.run('DELETE FROM notification_escalation_policies WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0
    );
  }
}

function storedOf(row: Row): StoredEscalationPolicy {
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
    name: String(row['name']),
    steps: JSON.parse(String(row['steps'])) as StoredEscalationPolicy['steps'],
    repeat: Number(row['repeat']),
    createdAtUs: BigInt(row['created_at_us'] as string | number),
    updatedAtUs: BigInt(row['updated_at_us'] as string | number),
    createdBy: (row['created_by'] as string | null) ?? null,
  };
}
