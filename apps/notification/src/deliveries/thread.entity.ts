import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The first message of an alert on a channel: later messages of the alert thread under it, and an
 * acknowledgement, resolution or analysis updates it (Slack chat.update) when it shows the alert alone.
 * Also how a click on a Slack button finds its tenant and alert.
 */
@Entity({ name: 'notification_threads' })
@Index('IDX_notification_threads_slack', ['slackChannel', 'slackTs'])
export class ThreadRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @PrimaryColumn({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ name: 'slack_channel', type: 'varchar', length: 64, nullable: true })
  slackChannel!: string | null;

  @Column({ name: 'slack_ts', type: 'varchar', length: 32, nullable: true })
  slackTs!: string | null;

  @Column({ name: 'email_message_id', type: 'varchar', length: 300, nullable: true })
  emailMessageId!: string | null;

  /** The message shows this alert alone (not a group or roll-up): it may be updated in place. */
  @Column({ name: 'single', type: 'boolean' })
  single!: boolean;

  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;
}
