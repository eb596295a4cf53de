import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * Silence regular expressions (`=~`, `!~`) are RE2 syntax, matched by a linear-time engine (re2js,
 * no backtracking): a pattern's cost is at most its compiled program's size times the length of
 * the text, whatever the pattern. They run inside the ingest batch every tenant shares, so what
 * RE2 cannot do in linear time (backreferences, lookaround) is refused, and so is a pattern whose
 * program is large (counted repetitions such as `.{1000}` grow it).
 */
export const SILENCE_REGEX_LIMITS = {
  /** Characters of a pattern (a matcher value's own limit). */
  patternLength: 1024,
  /** Instructions of its compiled program. */
  programSize: 1000,
} as const;

/** A pattern compiled for full matching, with its program size (the cost of one text character). */
export interface SilenceRegex {
  /** Whether the pattern matches all of `text` (anchored at both ends, as in Alertmanager). */
  matches(text: string): boolean;
  readonly programSize: number;
}

const LOOKAROUND = /^\(\?<?[=!]/;
const BACKREFERENCE = /^\\(?:[1-9]|k)/;

/** Why re2js refused a pattern, in words a user can act on. */
function reasonOf(error: unknown): string {
  if (!(error instanceof RE2JSSyntaxException)) return error instanceof Error ? error.message : String(error);
  const input = error.getPattern() ?? '';
  if (LOOKAROUND.test(input))
    return `lookahead and lookbehind (\`${input.slice(0, 4)}\`) are not supported: RE2 syntax only`;
  if (BACKREFERENCE.test(input)) return `backreferences (\`${input}\`) are not supported: RE2 syntax only`;
  return input ? `${error.getDescription()}: \`${input}\`` : error.getDescription();
}

/**
 * Compiles a silence pattern, or throws an Error whose message says why it is refused (not RE2
 * syntax, backreference, lookaround, too large). The pattern compiles on its own, so a value such
 * as `a)|(b` cannot escape the anchoring.
 */
export function compileSilenceRegex(pattern: string): SilenceRegex {
  if (pattern.length > SILENCE_REGEX_LIMITS.patternLength)
    throw new Error(`must be at most ${SILENCE_REGEX_LIMITS.patternLength} characters`);
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`invalid regular expression: ${reasonOf(error)}`, { cause: error });
  }
  const programSize = regex.programSize();
  if (programSize > SILENCE_REGEX_LIMITS.programSize)
    throw new Error(
      `regular expression too large: it compiles to ${programSize} instructions, at most ${SILENCE_REGEX_LIMITS.programSize} (counted repetitions such as {1,500} cost the most)`,
    );
  return { matches: (text) => regex.testExact(text), programSize };
}

/** Why a pattern is refused, or undefined when it compiles. */
export function silenceRegexProblem(pattern: string): string | undefined {
  try {
    compileSilenceRegex(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
