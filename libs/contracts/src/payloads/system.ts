import { IsIn, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { SERVICES, type ServiceName } from '../services.js';

/** An RPC that needs nothing beyond the envelope (tenant and actor say it all). */
export class EmptyRequest {}

export class PingRequest {
  /** Free text echoed back, handy when tracing a ping through logs. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

export const SERVICE_STATUSES = ['ok', 'degraded'] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export class PingReply {
  @IsIn(SERVICES)
  service!: ServiceName;

  @IsString()
  @IsNotEmpty()
  version!: string;

  @IsIn(SERVICE_STATUSES)
  status!: ServiceStatus;

  @IsNumber()
  @Min(0)
  uptimeSeconds!: number;

  @IsInt()
  @Min(0)
  pid!: number;
}
