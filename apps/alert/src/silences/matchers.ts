import type { LabelMatcher } from '@vigil/contracts';
import type { Micros } from '../alerts/time.js';

export type LabelPredicate = (labels: Record<string, string>) => boolean;

/** Regex matchers are anchored, as in Alertmanager: `=~ api|web` matches all of the value. */
function anchored(value: string): RegExp {
  return new RegExp(`^(?:${value})$`);
}

/** The problems of a matcher list, each naming the matcher (empty: valid). */
export function matcherProblems(matchers: readonly LabelMatcher[]): string[] {
  const problems: string[] = [];
  matchers.forEach((matcher, index) => {
    if (matcher.op !== '=~' && matcher.op !== '!~') return;
    try {
      anchored(matcher.value);
    } catch (error) {
      problems.push(
        `matchers[${index}] (${matcher.name}${matcher.op}${JSON.stringify(matcher.value)}): invalid regular expression: ${(error as Error).message}`,
      );
    }
  });
  return problems;
}

/** All matchers must hold; a missing label is the empty string (so `foo=""` matches an absent foo). */
export function compileMatchers(matchers: readonly LabelMatcher[]): LabelPredicate {
  const tests = matchers.map((matcher): LabelPredicate => {
    const valueOf = (labels: Record<string, string>) =>
      Object.hasOwn(labels, matcher.name) ? String(labels[matcher.name]) : '';
    switch (matcher.op) {
      case '=':
        return (labels) => valueOf(labels) === matcher.value;
      case '!=':
        return (labels) => valueOf(labels) !== matcher.value;
      case '=~': {
        const regex = anchored(matcher.value);
        return (labels) => regex.test(valueOf(labels));
      }
      case '!~': {
        const regex = anchored(matcher.value);
        return (labels) => !regex.test(valueOf(labels));
      }
    }
  });
  return (labels) => tests.every((test) => test(labels));
}

export type SilenceState = 'active' | 'pending' | 'expired';

export function silenceStateAt(startsAt: Micros, endsAt: Micros, now: Micros): SilenceState {
  if (now < startsAt) return 'pending';
  return now < endsAt ? 'active' : 'expired';
}

/** Whether any of the (active) silences matches the labels. */
export function isSilenced(predicates: readonly LabelPredicate[], labels: Record<string, string>): boolean {
  return predicates.some((matches) => matches(labels));
}
