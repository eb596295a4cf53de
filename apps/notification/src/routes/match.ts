import {
  compileSilenceRegex,
  globToRegExp,
  SEVERITIES,
  type LabelMatcherView,
  type NotificationEventKind,
  type Severity,
} from '@vigil/contracts';

/** What a route's matchers read of an alert. */
export interface MatchedAlert {
  alertType: string;
  severity: Severity;
  labels: Record<string, string>;
}

/** The matchers of a route (the RouteView fields they read). */
export interface RouteMatchers {
  minSeverity: Severity | null;
  alertTypes: readonly string[];
  labelMatchers: readonly LabelMatcherView[];
}

/** critical 5 … info 1. */
const RANK: Record<Severity, number> = Object.fromEntries(
  SEVERITIES.map((severity, index) => [severity, SEVERITIES.length - index]),
) as Record<Severity, number>;

/** Whether `severity` is `minimum` or worse. */
export function atLeast(severity: Severity, minimum: Severity): boolean {
  return RANK[severity] >= RANK[minimum];
}

type LabelTest = (labels: Record<string, string>) => boolean;

function labelTestOf(matcher: LabelMatcherView): LabelTest {
  // A missing label reads as "", as in Alertmanager and the silences.
  const valueOf = (labels: Record<string, string>) =>
    Object.hasOwn(labels, matcher.name) ? labels[matcher.name]! : '';
  switch (matcher.op) {
    case '=':
      return (labels) => valueOf(labels) === matcher.value;
    case '!=':
      return (labels) => valueOf(labels) !== matcher.value;
    case '=~': {
      const regex = compileSilenceRegex(matcher.value);
      return (labels) => regex.matches(valueOf(labels));
    }
    case '!~': {
      const regex = compileSilenceRegex(matcher.value);
      return (labels) => !regex.matches(valueOf(labels));
    }
  }
}

/**
 * A route's matchers compiled once: the alert is at least `minSeverity`, its type matches one of the
 * globs (none: any type), and every label matcher holds (`=~`/`!~` are RE2 over the whole value, as
 * silences read them; equality first, so a route they rule out costs no regex). Throws on a regex the
 * silence engine refuses (the API refuses such routes before they are stored).
 */
export function compileRouteMatchers(route: RouteMatchers): (alert: MatchedAlert) => boolean {
  const globs = route.alertTypes.map(globToRegExp);
  const ordered = [...route.labelMatchers].sort(
    (a, b) => Number(a.op === '=~' || a.op === '!~') - Number(b.op === '=~' || b.op === '!~'),
  );
  const tests = ordered.map(labelTestOf);
  const minimum = route.minSeverity;
  return (alert) =>
    (minimum === null || atLeast(alert.severity, minimum)) &&
    (globs.length === 0 || globs.some((glob) => glob.test(alert.alertType))) &&
    tests.every((test) => test(alert.labels));
}

/** A route as matching walks the list: its place, matchers, `continue` and the kinds it sends. */
export interface MatchableRoute extends RouteMatchers {
  position: number;
  continue: boolean;
  eventKinds: readonly NotificationEventKind[];
}

/** One route that takes the alert, and whether it sends this kind of change. */
export interface RouteMatch<R> {
  route: R;
  notified: boolean;
}

/**
 * The routes that take an alert, in order, as Alertmanager walks its routes: the first whose matchers
 * select the alert takes it, and the walk stops there unless that route says `continue`. A route is
 * chosen by its matchers alone (every change of an alert goes the same way, so it lands in the same
 * thread); whether it sends this change is its `eventKinds`. `compiled` caches the matchers per route.
 */
export function matchRoutes<R extends MatchableRoute>(
  routes: readonly R[],
  alert: MatchedAlert,
  eventKind: NotificationEventKind,
  compiled: (route: R) => (alert: MatchedAlert) => boolean = compileRouteMatchers,
): RouteMatch<R>[] {
  const matches: RouteMatch<R>[] = [];
  for (const route of [...routes].sort((a, b) => a.position - b.position)) {
    if (!compiled(route)(alert)) continue;
    matches.push({ route, notified: route.eventKinds.includes(eventKind) });
    if (!route.continue) break;
  }
  return matches;
}
