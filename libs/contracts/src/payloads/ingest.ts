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

/** The longest text each field of a received alert may hold: the gateway checks them, the class enforces them. */
export const RECEIVED_ALERT_LIMITS = {
  alertType: 256,
  runbook: 4096,
  environment: 64,
  fingerprint: 256,
  summary: 2000,
  description: 20_000,
  generatorUrl: 4096,
} as const;

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
  @MaxLength(RECEIVED_ALERT_LIMITS.alertType)
  alertType!: string;

  /** Runbook URL or text. */
  @IsString()
  @MaxLength(RECEIVED_ALERT_LIMITS.runbook)
  runbook!: string;

  @IsIn(SEVERITIES)
  severity!: Severity;

  /** Unix microseconds, as a decimal string (exceeds 2^53). */
  @Matches(MICROS, { message: 'timestamp must be unix microseconds as a decimal string' })
  timestamp!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(RECEIVED_ALERT_LIMITS.environment)
  environment!: string;

  /** The source's fingerprint, or one the gateway derived (see fingerprintOf). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(RECEIVED_ALERT_LIMITS.fingerprint)
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
  @MaxLength(RECEIVED_ALERT_LIMITS.summary)
  summary?: string;

  @IsOptional()
  @IsString()
  @MaxLength(RECEIVED_ALERT_LIMITS.description)
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
  @MaxLength(RECEIVED_ALERT_LIMITS.generatorUrl)
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
