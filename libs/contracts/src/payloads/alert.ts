import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export const SEVERITIES = ['critical', 'high', 'warning', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALERT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** What every alert.* event says about the alert: enough to route and notify without a lookup. */
export class AlertSnapshot {
  @IsUUID()
  alertId!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  fingerprint!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  alertType!: string;

  @IsIn(SEVERITIES)
  severity!: Severity;

  @IsIn(ALERT_STATUSES)
  status!: AlertStatus;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  summary?: string;

  /** Label names to values; values are strings as in Prometheus. */
  @IsObject()
  labels!: Record<string, string>;

  @IsInt()
  @Min(1)
  occurrences!: number;

  @IsBoolean()
  silenced!: boolean;

  @Matches(ISO_MICROS)
  startedAt!: string;

  @Matches(ISO_MICROS)
  lastSeenAt!: string;

  /** The alert's runbook when it is an http(s) link (a notification links it). */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  runbookUrl?: string;

  /** Where the source shows the alert (Alertmanager's and Grafana's generatorURL). */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  sourceUrl?: string;
}

export class AlertCreated {
  @ValidateNested()
  @Type(() => AlertSnapshot)
  alert!: AlertSnapshot;
}

export const ALERT_CHANGES = ['occurrence', 'note', 'analysis', 'retriggered', 'silenced'] as const;
export type AlertChange = (typeof ALERT_CHANGES)[number];

export class AlertUpdated {
  @ValidateNested()
  @Type(() => AlertSnapshot)
  alert!: AlertSnapshot;

  @IsIn(ALERT_CHANGES)
  change!: AlertChange;
}

/** alert.acknowledged and alert.resolved: the step, who took it, and their note. */
export class AlertStatusChanged {
  @ValidateNested()
  @Type(() => AlertSnapshot)
  alert!: AlertSnapshot;

  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  note?: string;

  /** `source` when the monitoring tool resolved it; otherwise the actor's id. */
  @IsString()
  @IsNotEmpty()
  by!: string;
}

export const ANALYSIS_STATUSES = ['in_progress', 'completed', 'failed', 'skipped'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/** An alert's latest investigation, as the alert keeps it (`analysis` on the alert). */
export class AlertAnalysis {
  @IsUUID()
  sessionId!: string;

  @IsIn(ANALYSIS_STATUSES)
  status!: AnalysisStatus;

  @IsString()
  @IsNotEmpty()
  agent!: string;

  /** The agent's answer (completed), or why there is none (failed, skipped); null while it runs. */
  @IsOptional()
  @IsString()
  text!: string | null;

  @IsOptional()
  @Matches(ISO_MICROS)
  completedAt!: string | null;
}

/** alert.analysed: an investigation of the alert ended (completed, failed or skipped). */
export class AlertAnalysed {
  @ValidateNested()
  @Type(() => AlertSnapshot)
  alert!: AlertSnapshot;

  @ValidateNested()
  @Type(() => AlertAnalysis)
  analysis!: AlertAnalysis;
}

export class AlertEscalated {
  @ValidateNested()
  @Type(() => AlertSnapshot)
  alert!: AlertSnapshot;

  @IsInt()
  @Min(1)
  level!: number;

  @IsOptional()
  @IsString()
  reason?: string;
}
