import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Min } from 'class-validator';

/** slack: a bot token posting to a channel id (threads, updates); slack-webhook: an incoming webhook (post only); email: SMTP. */
export const CHANNEL_TYPES = ['slack', 'slack-webhook', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** One notification of an alert on one channel, after `attempts` tries. */
export abstract class NotificationOutcome {
  @IsUUID()
  deliveryId!: string;

  @IsUUID()
  alertId!: string;

  @IsUUID()
  channelId!: string;

  @IsIn(CHANNEL_TYPES)
  channelType!: ChannelType;

  @IsInt()
  @Min(1)
  attempts!: number;
}

export class NotificationDelivered extends NotificationOutcome {}

export class NotificationFailed extends NotificationOutcome {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  error?: string;
}
