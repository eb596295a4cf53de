import type { AlertSnapshot } from '@vigil/contracts';
import type { AlertChange } from '../engine/index.js';
import type { MessageAlert, MessageKind, NotificationContent } from '../providers/index.js';

/** A delivery's message as stored with it: everything but the tenant, which is the row's. */
export type StoredContent = Omit<NotificationContent, 'tenantId'>;

/** The alert as a message shows it, from the event's snapshot and what the change adds. */
export function messageAlertOf(
  alert: AlertSnapshot,
  change: Partial<Pick<AlertChange, 'by' | 'note' | 'analysis'>> = {},
  publicUrl?: string,
): MessageAlert {
  return {
    alertId: alert.alertId,
    alertType: alert.alertType,
    severity: alert.severity,
    status: alert.status,
    ...(alert.summary !== undefined && { summary: alert.summary }),
    labels: alert.labels,
    occurrences: alert.occurrences,
    startedAt: alert.startedAt,
    lastSeenAt: alert.lastSeenAt,
    ...(alert.runbookUrl && { runbookUrl: alert.runbookUrl }),
    ...(alert.sourceUrl && { sourceUrl: alert.sourceUrl }),
    ...(publicUrl && { alertUrl: `${publicUrl.replace(/\/+$/, '')}/alerts/${alert.alertId}` }),
    ...(change.analysis && {
      analysis: { status: change.analysis.status, agent: change.analysis.agent, text: change.analysis.text },
    }),
    ...(change.by !== undefined && { by: change.by }),
    ...(change.note !== undefined && { note: change.note }),
  };
}

/** The message kind of an alert change ('occurrence' and 'note' changes read as updates of the alert). */
export function messageKindOf(kind: AlertChange['kind']): MessageKind {
  switch (kind) {
    case 'occurrence':
    case 'note':
      return 'retriggered';
    default:
      return kind;
  }
}

/** Changes that update an alert's first message in place (Slack chat.update) besides a reply in its thread. */
export function updatesFirstMessage(kind: string): boolean {
  return kind === 'acknowledged' || kind === 'resolved' || kind === 'analysed';
}
