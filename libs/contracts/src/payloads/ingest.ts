import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { SEVERITIES, type Severity } from './alert.js';

export const ALERT_SOURCES = ['api', 'alertmanager', 'grafana', 'generic'] as const;
export type AlertSource = (typeof ALERT_SOURCES)[number];

export const SOURCE_STATUSES = ['firing', 'resolved'] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

const MICROS = /^\d{1,19}$/;

/**
 * One alert as the gateway accepted and normalised it (the flexible model of docs/architecture.md, "The alert model"): the fields
 * Vigil itself reads, and `data` — everything the source sent — kept whole.
 */
export class ReceivedAlert {
  /** alertIdOf(tenantId, fingerprint): the same fingerprint is the same alert, so the gateway knows the id. */
  @IsUUID()
  alertId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  alertType!: string;

  /** Runbook URL or text. */
  @IsString()
  @MaxLength(4096)
  runbook!: string;

  @IsIn(SEVERITIES)
  severity!: Severity;

  /** Unix microseconds, as a decimal string (exceeds 2^53). */
  @Matches(MICROS, { message: 'timestamp must be unix microseconds as a decimal string' })
  timestamp!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  environment!: string;

  /** The source's fingerprint, or one the gateway derived (see fingerprintOf). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  fingerprint!: string;

  /** Whether the source says the alert is still firing or has resolved. */
  @IsIn(SOURCE_STATUSES)
  status!: SourceStatus;

  @IsObject()
  labels!: Record<string, string>;

  @IsOptional()
  @IsObject()
  annotations?: Record<string, string>;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  summary?: string;

  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  description?: string;

  /** Unix microseconds the source says the problem started / ended. */
  @IsOptional()
  @Matches(MICROS)
  startsAt?: string;

  @IsOptional()
  @Matches(MICROS)
  endsAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(4096)
  generatorUrl?: string;

  /** Everything the source sent for this alert, kept whole (nested objects, arrays, YAML strings). */
  @IsObject()
  data!: Record<string, unknown>;
}

/** Event `ingest.alerts.received`: a batch accepted by the gateway (one request), for the alert service. */
export class AlertsReceived {
  @IsIn(ALERT_SOURCES)
  source!: AlertSource;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => ReceivedAlert)
  alerts!: ReceivedAlert[];
}

/** Event `ingest.payload.rejected`: an authenticated payload that could not be mapped, kept raw. */
export class PayloadRejected {
  @IsIn(ALERT_SOURCES)
  source!: AlertSource;

  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  reason!: string;

  /** The body as received (text: it may not even be JSON). */
  @IsString()
  @MaxLength(2_000_000)
  body!: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  contentType?: string;
}
