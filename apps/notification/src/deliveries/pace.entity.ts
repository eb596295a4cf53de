import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * When a paced (Slack) channel may take its next message, shared by every replica: a replica takes a
 * channel's turn by moving `free_at_us` forward only if it has passed (one statement, row-locked), so
 * two replicas never both send to a channel within its interval. A provider's Retry-After moves it too.
 */
@Entity({ name: 'notification_channel_pace' })
export class ChannelPaceRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'free_at_us', type: 'bigint' })
  freeAtUs!: string;
}
