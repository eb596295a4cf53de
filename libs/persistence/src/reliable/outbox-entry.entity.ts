import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The transactional outbox: events written in the transaction that made the change, published by
 * the relay once it committed. A service that emits events lists this entity among its own and
 * creates the table in one of its migrations (tenant-scoped like its other tables on PostgreSQL).
 */
@Entity({ name: 'outbox' })
@Index('IDX_outbox_created', ['createdAtUs'])
export class OutboxEntry {
  /** The envelope id (UUIDv7): a re-publish after a crash is the same envelope, which consumers deduplicate. */
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'routing_key', type: 'varchar', length: 64 })
  routingKey!: string;

  @Column({ name: 'envelope', type: 'text' })
  envelope!: string;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;
}
