import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A place a tenant's notifications go: a Slack channel (bot token), a Slack incoming webhook, or email
 * recipients. What may be shown is kept in clear (`config`); tokens, webhook URLs and SMTP URLs are
 * sealed with SECRETS_KEY (`secrets`), their names kept in clear for the API, which never shows them.
 */
@Entity({ name: 'notification_channels' })
@Index('UQ_notification_channels_tenant_name', ['tenantId', 'name'], { unique: true })
export class ChannelRow {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  /** slack, slack-webhook or email (CHANNEL_TYPES); never changes. */
  @Column({ name: 'type', type: 'varchar', length: 16 })
  type!: string;

  /** The settings shown by the API, a JSON object (channelId; to, from). */
  @Column({ name: 'config', type: 'text' })
  config!: string;

  /** The names of the sealed secrets, a JSON array. */
  @Column({ name: 'secret_names', type: 'text' })
  secretNames!: string;

  /** The secrets as a JSON object, sealed (AES-256-GCM, see SecretBox): `kid:iv:ciphertext:tag`. */
  @Column({ name: 'secrets', type: 'text' })
  secrets!: string;

  /** False after a permanent delivery failure, until a send succeeds or the channel is changed. */
  @Column({ name: 'healthy', type: 'boolean' })
  healthy!: boolean;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Unix microseconds. */
  @Column({ name: 'last_error_at_us', type: 'bigint', nullable: true })
  lastErrorAtUs!: string | null;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  /** The user or API key that added it (the envelope actor). */
  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;
}
