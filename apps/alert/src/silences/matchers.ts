import { compileSilenceRegex, type LabelMatcher } from '@vigil/contracts';
import type { SilenceDoc } from '../alerts/rows.js';
import type { Micros } from '../alerts/time.js';

/**
 * Bounds on one alert's regex matching, across all the active silences of its tenant: matching
 * runs inside the ingest batch every tenant shares. The engine is linear (RE2), so one evaluation
 * costs at most the pattern's program size (at most 1,000, see SILENCE_REGEX_LIMITS) per character
 * of text; `steps` caps the sum of program size × (text length + 1) over the alert's evaluations,
 * about 40 ms of matching at worst. A regex matcher that cannot be evaluated within these bounds
 * does not hold, whatever its op: the silence does not apply and the alert is notified.
 */
export const REGEX_MATCH_LIMITS = {
  /** Characters of a label value a regex is matched against (a longer value fails the matcher). */
  text: 1024,
  /** Regex evaluations per alert. */
  evaluations: 64,
  /** Program size × (text length + 1), summed over the alert's evaluations. */
  steps: 2 ** 20,
} as const;

/** What is left of one alert's matching bounds. */
export interface MatchBudget {
  evaluations: number;
  steps: number;
}

export function matchBudget(): MatchBudget {
  return { evaluations: REGEX_MATCH_LIMITS.evaluations, steps: REGEX_MATCH_LIMITS.steps };
}

/** Whether the labels satisfy a silence's matchers; `budget`: the alert's (a fresh one if absent). */
export type LabelPredicate = (labels: Record<string, string>, budget?: MatchBudget) => boolean;

/** Told when a regex matcher is not evaluated (and so does not hold), with the reason. */
export type Unevaluated = (reason: string) => void;

/** The problems of a matcher list, each naming the matcher (empty: valid). */
export function matcherProblems(matchers: readonly LabelMatcher[]): string[] {
  const problems: string[] = [];
  matchers.forEach((matcher, index) => {
    if (matcher.op !== '=~' && matcher.op !== '!~') return;
    try {
      compileSilenceRegex(matcher.value);
    } catch (error) {
      problems.push(
        `matchers[${index}].value (${matcher.name}${matcher.op}${JSON.stringify(matcher.value)}): ${(error as Error).message}`,
      );
    }
  });
  return problems;
}

/**
 * All matchers must hold; a missing label is the empty string (so `foo=""` matches an absent foo).
 * Regexes are anchored, as in Alertmanager: `=~ api|web` matches all of the value. Equality
 * matchers are checked first, so a silence they rule out costs no regex evaluation. Throws when a
 * regex does not compile (see compileSilenceRegex).
 */
export function compileMatchers(matchers: readonly LabelMatcher[], unevaluated?: Unevaluated): LabelPredicate {
  type Test = (labels: Record<string, string>, budget: MatchBudget) => boolean;
  const valueOf = (labels: Record<string, string>, name: string) =>
    Object.hasOwn(labels, name) ? String(labels[name]) : '';
  const plain: Test[] = [];
  const regexes: Test[] = [];
  for (const { name, op, value } of matchers) {
    if (op === '=') plain.push((labels) => valueOf(labels, name) === value);
    else if (op === '!=') plain.push((labels) => valueOf(labels, name) !== value);
    else {
      const regex = compileSilenceRegex(value);
      const negated = op === '!~';
      regexes.push((labels, budget) => {
        const text = valueOf(labels, name);
        if (text.length > REGEX_MATCH_LIMITS.text) {
          unevaluated?.(`label ${name} is longer than ${REGEX_MATCH_LIMITS.text} characters`);
          return false;
        }
        const steps = regex.programSize * (text.length + 1);
        if (budget.evaluations < 1 || steps > budget.steps) {
          unevaluated?.("the alert's regex matching budget is spent");
          return false;
        }
        budget.evaluations -= 1;
        budget.steps -= steps;
        return regex.matches(text) !== negated;
      });
    }
  }
  const tests = [...plain, ...regexes];
  return (labels, budget = matchBudget()) => tests.every((test) => test(labels, budget));
}

/**
 * A stored silence's predicate (`doc`: its stored JSON). Never throws, since it runs inside the
 * ingest batch: a silence whose matchers do not compile (stored under other rules) matches no
 * alert. `warn` is told once: that it does not compile, or the first time one of its regexes is
 * not evaluated (see REGEX_MATCH_LIMITS).
 */
export function storedPredicate(
  doc: string,
  warn: (message: string, details: { matchers?: LabelMatcher[]; reason: string }) => void,
): LabelPredicate {
  let matchers: LabelMatcher[] | undefined;
  try {
    matchers = (JSON.parse(doc) as SilenceDoc).matchers;
    let warned = false;
    return compileMatchers(matchers, (reason) => {
      if (warned) return;
      warned = true;
      warn('silence regex not evaluated: the silence does not apply to the alert', { matchers, reason });
    });
  } catch (error) {
    warn('silence does not compile: it matches no alert', { matchers, reason: (error as Error).message });
    return () => false;
  }
}

export type SilenceState = 'active' | 'pending' | 'expired';

export function silenceStateAt(startsAt: Micros, endsAt: Micros, now: Micros): SilenceState {
  if (now < startsAt) return 'pending';
  return now < endsAt ? 'active' : 'expired';
}

/** Whether any of the (active) silences matches the labels: one alert, one matching budget. */
export function isSilenced(predicates: readonly LabelPredicate[], labels: Record<string, string>): boolean {
  const budget = matchBudget();
  return predicates.some((matches) => matches(labels, budget));
}
