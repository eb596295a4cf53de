import type { AlertStatus, Severity } from '@vigil/contracts';
import { severityRank } from './severity.js';

/** A route's grouping intervals, in milliseconds. */
export interface GroupTiming {
  /** How long the first alert of a new group waits for others before the first message. */
  groupWaitMs: number;
  /** How long later changes of a group are collected before its next message. */
  groupIntervalMs: number;
  /** After how long a group whose alerts are still open is sent again though nothing changed. */
  repeatIntervalMs: number;
}

/** What grouping needs of an alert (a message shows more). */
export interface GroupMember {
  alertId: string;
  status: AlertStatus;
  severity: Severity;
}

/** One group of one route, as stored between messages. */
export interface GroupState<M extends GroupMember> {
  /** The group's alerts as last seen, by alert id. */
  members: Record<string, M>;
  /** Alert changes since the group's last message. */
  changed: number;
  firstAt: number;
  /** When the group is due (its first message, its next batch, or its repeat); null: nothing to send. */
  nextAt: number | null;
  lastSentAt: number | null;
  /** Messages sent for the group. */
  sent: number;
}

/** A group's message: every alert of the group, worst first. */
export interface GroupMessage<M extends GroupMember> {
  alerts: M[];
  /** True when nothing changed since the last message: a reminder after repeatInterval. */
  repeat: boolean;
}

/**
 * An alert change joins its group (Alertmanager's timing): a new group is sent `groupWait` after its
 * first alert; once a group was sent, changes are collected and sent together `groupInterval` after
 * the previous message (at once if that is past); a group still open and unchanged is sent again
 * `repeatInterval` after its last message.
 */
export function joinGroup<M extends GroupMember>(
  state: GroupState<M> | null,
  member: M,
  timing: GroupTiming,
  now: number,
): GroupState<M> {
  if (!state) {
    return {
      members: { [member.alertId]: member },
      changed: 1,
      firstAt: now,
      nextAt: now + timing.groupWaitMs,
      lastSentAt: null,
      sent: 0,
    };
  }
  const batchAt =
    state.lastSentAt === null ? state.firstAt + timing.groupWaitMs : state.lastSentAt + timing.groupIntervalMs;
  const due = Math.max(now, batchAt);
  return {
    ...state,
    members: { ...state.members, [member.alertId]: member },
    changed: state.changed + 1,
    // A pending batch keeps its time; a group waiting only for its repeat is due sooner now.
    nextAt: state.nextAt === null ? due : Math.min(state.nextAt, due),
  };
}

/**
 * What a due group sends, and the group after it: null when every alert of it is resolved and told
 * (the group is over and its row can go). Nothing is sent before `nextAt`.
 */
export function flushGroup<M extends GroupMember>(
  state: GroupState<M>,
  timing: GroupTiming,
  now: number,
): { message: GroupMessage<M> | null; next: GroupState<M> | null } {
  if (state.nextAt === null || state.nextAt > now) return { message: null, next: state };
  const all = Object.values(state.members);
  const open = all.filter((m) => m.status !== 'resolved');
  if (state.changed === 0 && open.length === 0) return { message: null, next: null };
  const message: GroupMessage<M> = { alerts: worstFirst(state.changed > 0 ? all : open), repeat: state.changed === 0 };
  if (open.length === 0) return { message, next: null };
  return {
    message,
    next: {
      ...state,
      // A resolved alert is told once, then leaves the group.
      members: Object.fromEntries(open.map((m) => [m.alertId, m])),
      changed: 0,
      nextAt: now + timing.repeatIntervalMs,
      lastSentAt: now,
      sent: state.sent + 1,
    },
  };
}

function worstFirst<M extends GroupMember>(members: M[]): M[] {
  return [...members].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
}
