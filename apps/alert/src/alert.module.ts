import { Module } from '@nestjs/common';

/** The alert service: alerts, their timelines and notes, silences and groups. */
@Module({})
export class AlertModule {}
