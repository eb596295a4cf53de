import { createHash } from 'node:crypto';
import type { AlertSnapshot, Severity } from '@vigil/contracts';
import { DEFAULT_EVENT_KINDS, type EventKind } from './event-kinds.js';

/** Quiet hours of a route: local times in an IANA zone; `start` after `end` spans midnight. */
export interface QuietHoursSpec {
  timeZone: string;
  /** 'HH:MM', local. */
  start: string;
  end: string;
  /** ISO weekdays (1 = Monday … 7 = Sunday) on which a quiet period starts; all days when absent. */
  days?: readonly number[];
  /** Alerts of this severity or worse are sent even during quiet hours. */
  overrideSeverity?: Severity;
}

/** What the engine needs of a route (the configuration API stores more). */
export interface RouteSpec {
  id: string;
  /** Whether the route's matchers (severity, alert type, labels) select the alert. */
  matches(alert: AlertSnapshot): boolean;
  /** The changes it is told about; DEFAULT_EVENT_KINDS when absent. */
  events?: readonly EventKind[];
  channelIds: readonly string[];
  /** Evaluation goes on to the next routes after this one matched. */
  continue: boolean;
  /** Label names whose values form a group; absent: no grouping (each change goes alone). */
  groupBy?: readonly string[] | null;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  quietHours?: QuietHoursSpec | null;
  escalationPolicyId?: string | null;
  /** An email channel that gets the message when a Slack channel of this route fails for good. */
  fallbackChannelId?: string | null;
}

/**
 * The routes an alert reaches, in order, as Alertmanager walks its routes: the first route whose
 * matchers select the alert takes it, and evaluation stops there unless that route says `continue`.
 * A route is chosen by its matchers alone, so every change of an alert goes the same way and lands in
 * the same thread; whether a given change is sent there is then the route's `events` (wantsChange).
 */
export function routesFor<R extends RouteSpec>(alert: AlertSnapshot, routes: readonly R[]): R[] {
  const reached: R[] = [];
  for (const route of routes) {
    if (!route.matches(alert)) continue;
    reached.push(route);
    if (!route.continue) break;
  }
  return reached;
}

/** Whether the route is told about this kind of change. */
export function wantsChange(route: RouteSpec, kind: EventKind): boolean {
  return (route.events ?? DEFAULT_EVENT_KINDS).includes(kind);
}

/** Whether a route groups the alerts it takes. */
export function isGrouped(route: RouteSpec): route is RouteSpec & { groupBy: readonly string[] } {
  return Array.isArray(route.groupBy);
}

/**
 * The group an alert belongs to on a route: a digest of the values of the route's group-by labels (a
 * missing label counts as empty, as in Alertmanager). Stable: the same labels give the same key; the
 * route is the other half of a group's identity.
 */
export function groupKeyOf(route: RouteSpec & { groupBy: readonly string[] }, labels: Record<string, string>): string {
  const parts = [...route.groupBy].sort().map((name) => [name, labels[name] ?? '']);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The group-by labels and their values, for the group's message. */
export function groupLabelsOf(
  route: RouteSpec & { groupBy: readonly string[] },
  labels: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries([...route.groupBy].sort().map((name) => [name, labels[name] ?? '']));
}
