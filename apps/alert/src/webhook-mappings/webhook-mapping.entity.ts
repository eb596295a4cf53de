import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A tenant's stored webhook mapping, one per (tenant, source): today only `generic`. The primary key
 * is the unique (tenant_id, source). `mapping` is the field paths as exact JSON text; the gateway
 * checked their syntax before storing them.
 */
@Entity({ name: 'webhook_mappings' })
export class WebhookMappingRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'source', type: 'varchar', length: 32 })
  source!: string;

  /** `{ "type": "$.check.name", ... }`, exact JSON. */
  @Column({ name: 'mapping', type: 'text' })
  mapping!: string;

  /** Unix microseconds, like every time of the alert service. */
  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  /** The id of the user or API key that stored it (the envelope actor). */
  @Column({ name: 'updated_by', type: 'varchar', length: 200, nullable: true })
  updatedBy!: string | null;
}
