import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Min } from 'class-validator';

export const CHANNEL_TYPES = ['slack', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export class NotificationDelivered {
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

export class NotificationFailed {
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

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  error?: string;
}
