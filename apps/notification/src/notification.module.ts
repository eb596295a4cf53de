import { Module } from '@nestjs/common';

/** The notification service: channels, routing rules, deliveries and their attempts. */
@Module({})
export class NotificationModule {}
