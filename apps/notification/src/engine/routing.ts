import { createHash } from 'node:crypto';
import type { QuietHoursView, RouteView } from '@vigil/contracts';
import type { GroupTiming } from './grouping.js';

/** Quiet hours of a route (QuietHoursView): local times in an IANA zone; `start` after `end` spans midnight. */
export type QuietHoursSpec = Pick<QuietHoursView, 'timeZone' | 'start' | 'end'> &
  Partial<Pick<QuietHoursView, 'days' | 'overrideSeverity'>>;

/** What the engine reads of a route: the RouteView fields that match, route and time its messages. */
export interface RouteSpec extends Pick<
  RouteView,
  | 'id'
  | 'position'
  | 'minSeverity'
  | 'alertTypes'
  | 'labelMatchers'
  | 'eventKinds'
  | 'channelIds'
  | 'continue'
  | 'groupBy'
  | 'groupWaitSeconds'
  | 'groupIntervalSeconds'
  | 'repeatIntervalSeconds'
  | 'escalationPolicyId'
  | 'fallbackEmailChannelId'
> {
  quietHours: QuietHoursSpec | null;
}

/** Whether a route groups the alerts it takes (no group-by labels: each alert goes on its own). */
export function isGrouped(route: RouteSpec): boolean {
  return route.groupBy.length > 0;
}

/** A route's grouping intervals in milliseconds. */
export function timingOf(route: RouteSpec): GroupTiming {
  return {
    groupWaitMs: route.groupWaitSeconds * 1_000,
    groupIntervalMs: route.groupIntervalSeconds * 1_000,
    repeatIntervalMs: route.repeatIntervalSeconds * 1_000,
  };
}

/**
 * The group an alert belongs to on a route: a digest of the values of the route's group-by labels (a
 * missing label counts as empty, as in Alertmanager). Stable: the same labels give the same key; the
 * route is the other half of a group's identity.
 */
export function groupKeyOf(route: RouteSpec, labels: Record<string, string>): string {
  const parts = [...route.groupBy].sort().map((name) => [name, labels[name] ?? '']);
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** The group-by labels and their values, for the group's message. */
export function groupLabelsOf(route: RouteSpec, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries([...route.groupBy].sort().map((name) => [name, labels[name] ?? '']));
}
