import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The idempotency guard of a consumer: one row per envelope it has handled (docs/architecture.md, "Reliable messaging"). Every
 * service with a database has this table in its own schema / SQLite file.
 */
@Entity({ name: 'inbox' })
@Index('IDX_inbox_handled_at', ['handledAt'])
export class InboxEntry {
  /** The consumer (handler) that handled the envelope, e.g. `notification.alert-created`. */
  @PrimaryColumn({ name: 'consumer', type: 'varchar', length: 200 })
  consumer!: string;

  /** The envelope `id` (UUIDv7). */
  @PrimaryColumn({ name: 'envelope_id', type: 'uuid' })
  envelopeId!: string;

  /** When it was handled: the prune deletes old rows by it. */
  @Column({ name: 'handled_at', type: Date })
  handledAt!: Date;
}
