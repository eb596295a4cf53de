import { SEVERITIES, type Severity } from '@vigil/contracts';
import type { MessageAlert, MessageKind, NotificationContent } from '../providers/provider.js';
import { safeUrl } from './text.js';

/** Labels shown first, in this order, when present; the first of the first four names an email's subject. */
const KEY_LABELS = ['service', 'namespace', 'job', 'instance', 'cluster', 'environment', 'env', 'team', 'pod'];
const SUBJECT_LABELS = KEY_LABELS.slice(0, 4);

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  warning: ':large_yellow_circle:',
  low: ':large_blue_circle:',
  info: ':white_circle:',
};

const KIND_TEXT: Record<MessageKind, string> = {
  created: 'New alert',
  retriggered: 'Fired again',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  analysed: 'Analysis ready',
  escalation: 'Escalation',
  group: 'grouped',
  digest: 'held during quiet hours',
  rollup: 'rolled up',
  test: 'Test notification',
};

const STATUS_TEXT = { triggered: 'Triggered', acknowledged: 'Acknowledged', resolved: 'Resolved' } as const;

/** Kinds that list several alerts compactly rather than show one in full. */
export const LIST_KINDS: ReadonlySet<MessageKind> = new Set(['group', 'digest', 'rollup']);

export interface AlertView {
  alertId: string;
  alertType: string;
  /** The summary when there is one, else the alert type. */
  title: string;
  summary?: string;
  severity: Severity;
  SEVERITY: string;
  severityEmoji: string;
  status: string;
  statusText: string;
  resolved: boolean;
  acknowledged: boolean;
  occurrences: number;
  startedAt: string;
  lastSeenAt: string;
  /** The times for people: `2026-12-02 12:00:00 UTC`. */
  startedAtText: string;
  lastSeenAtText: string;
  keyLabels: Array<{ name: string; value: string }>;
  /** Every label as `name=value`, key labels first. */
  labelsText: string;
  /** The label value named after the dash in a subject: service, namespace, job or instance, first present. */
  subjectLabel?: string;
  sourceUrl?: string;
  runbookUrl?: string;
  alertUrl?: string;
  hasLinks: boolean;
  analysis?: { agent: string; status: string; text: string };
  by?: string;
  note?: string;
}

export interface MessageView {
  kind: MessageKind;
  kindText: string;
  /** One alert shown in full (every kind but group, digest, rollup). */
  single: boolean;
  list: boolean;
  /** Not the alert's first message: a status change, an analysis, an escalation. */
  followUp: boolean;
  test: boolean;
  alert?: AlertView;
  alerts: AlertView[];
  /** Alerts in the message: listed plus omitted. */
  count: number;
  /** Alerts not listed individually. */
  omitted: number;
  /** The highest severity among the alerts. */
  SEVERITY: string;
  severityEmoji: string;
  /** A group's shared label, e.g. the service all its alerts belong to. */
  subjectLabel?: string;
  escalation?: { step: number; repeat: number };
}

export function alertView(alert: MessageAlert): AlertView {
  const names = Object.keys(alert.labels);
  const key = KEY_LABELS.filter((name) => alert.labels[name] !== undefined && alert.labels[name] !== '');
  const rest = names.filter((name) => !key.includes(name)).sort();
  const subjectName = SUBJECT_LABELS.find((name) => alert.labels[name]);
  const sourceUrl = safeUrl(alert.sourceUrl);
  const runbookUrl = safeUrl(alert.runbookUrl);
  const alertUrl = safeUrl(alert.alertUrl);
  const analysisText = alert.analysis?.text?.trim();
  return {
    alertId: alert.alertId,
    alertType: alert.alertType,
    title: alert.summary?.trim() || alert.alertType,
    ...(alert.summary ? { summary: alert.summary } : {}),
    severity: alert.severity,
    SEVERITY: alert.severity.toUpperCase(),
    severityEmoji: alert.status === 'resolved' ? ':white_check_mark:' : SEVERITY_EMOJI[alert.severity],
    status: alert.status,
    statusText: STATUS_TEXT[alert.status],
    resolved: alert.status === 'resolved',
    acknowledged: alert.status === 'acknowledged',
    occurrences: alert.occurrences,
    startedAt: alert.startedAt,
    lastSeenAt: alert.lastSeenAt,
    startedAtText: timeText(alert.startedAt),
    lastSeenAtText: timeText(alert.lastSeenAt),
    keyLabels: key.map((name) => ({ name, value: alert.labels[name]! })),
    labelsText: [...key, ...rest].map((name) => `${name}=${alert.labels[name]}`).join(', '),
    ...(subjectName ? { subjectLabel: alert.labels[subjectName] } : {}),
    ...(sourceUrl ? { sourceUrl } : {}),
    ...(runbookUrl ? { runbookUrl } : {}),
    ...(alertUrl ? { alertUrl } : {}),
    hasLinks: Boolean(sourceUrl || runbookUrl || alertUrl),
    ...(alert.analysis && analysisText
      ? { analysis: { agent: alert.analysis.agent, status: alert.analysis.status, text: analysisText } }
      : {}),
    ...(alert.by ? { by: alert.by } : {}),
    ...(alert.note ? { note: alert.note } : {}),
  };
}

export function messageView(content: NotificationContent): MessageView {
  const alerts = content.alerts.map(alertView);
  const list = LIST_KINDS.has(content.kind);
  const top = SEVERITIES.find((severity) => content.alerts.some((a) => a.severity === severity));
  const firing = content.alerts.filter((a) => a.status !== 'resolved');
  const shared = alerts.length > 0 && alerts.every((a) => a.subjectLabel === alerts[0]!.subjectLabel);
  const omitted = Math.max(0, content.omitted ?? 0);
  return {
    kind: content.kind,
    kindText: KIND_TEXT[content.kind],
    single: !list,
    list,
    followUp: !list && content.kind !== 'created' && content.kind !== 'test',
    test: content.kind === 'test',
    ...(alerts[0] ? { alert: alerts[0] } : {}),
    alerts,
    count: alerts.length + omitted,
    omitted,
    SEVERITY: top ? top.toUpperCase() : 'INFO',
    severityEmoji: firing.length === 0 && alerts.length > 0 ? ':white_check_mark:' : SEVERITY_EMOJI[top ?? 'info'],
    ...(shared && alerts[0]!.subjectLabel ? { subjectLabel: alerts[0]!.subjectLabel } : {}),
    ...(content.escalation ? { escalation: content.escalation } : {}),
  };
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS UTC` (the text as given when it is not a time). */
export function timeText(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
