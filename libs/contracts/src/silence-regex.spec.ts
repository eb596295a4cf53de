import { CreateSilenceRequest, SilenceChanges } from './payloads/alert-api.js';
import { validateAs } from './registry.js';
import { compileSilenceRegex, SILENCE_REGEX_LIMITS, silenceRegexProblem } from './silence-regex.js';

const window = { startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-02T00:00:00Z' };

describe('silence regular expressions', () => {
  it('match all of the text (anchored), in RE2 syntax', () => {
    const regex = compileSilenceRegex('api|web');
    expect(['api', 'web', 'api-gateway', 'myweb', ''].map((t) => regex.matches(t))).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(compileSilenceRegex('(?i)db-\\d+').matches('DB-12')).toBe(true);
    expect(compileSilenceRegex('(a+)+$').matches(`${'a'.repeat(30)}!`)).toBe(false);
  });

  it('refuse backreferences, lookaround, invalid syntax and large programs, saying why', () => {
    expect(silenceRegexProblem('(a)\\1')).toBe(
      'invalid regular expression: backreferences (`\\1`) are not supported: RE2 syntax only',
    );
    expect(silenceRegexProblem('(?<n>a)\\k<n>')).toMatch(/^invalid regular expression: backreferences/);
    expect(silenceRegexProblem('a(?=b)')).toBe(
      'invalid regular expression: lookahead and lookbehind (`(?=`) are not supported: RE2 syntax only',
    );
    expect(silenceRegexProblem('(?<=a)b')).toMatch(/lookahead and lookbehind \(`\(\?<=`\)/);
    expect(silenceRegexProblem('[z-a]')).toBe('invalid regular expression: invalid character class range: `z-a`');
    expect(silenceRegexProblem('a{1001}')).toBe('invalid regular expression: invalid repeat count: `{1001}`');
    expect(silenceRegexProblem('[a-z]{1,1000}')).toMatch(
      /^regular expression too large: it compiles to 2001 instructions, at most 1000/,
    );
    expect(silenceRegexProblem('a'.repeat(SILENCE_REGEX_LIMITS.patternLength + 1))).toBe(
      `must be at most ${SILENCE_REGEX_LIMITS.patternLength} characters`,
    );
    expect(silenceRegexProblem('(api|web)-[0-9]+')).toBeUndefined();
  });

  it('are checked by the silence contracts for =~ and !~ only, naming the matcher', () => {
    const created = validateAs(CreateSilenceRequest, {
      ...window,
      matchers: [
        { name: 'team', op: '=', value: '(a)\\1' },
        { name: 'host', op: '=~', value: '(a)\\1' },
        { name: 'svc', op: '!~', value: '(?!x)' },
      ],
    });
    expect(created).toEqual({
      ok: false,
      problems: [
        'matchers.1.value: invalid regular expression: backreferences (`\\1`) are not supported: RE2 syntax only',
        'matchers.2.value: invalid regular expression: lookahead and lookbehind (`(?!`) are not supported: RE2 syntax only',
      ],
    });
    expect(validateAs(SilenceChanges, { matchers: [{ name: 'x', op: '=~', value: '(' }] })).toEqual({
      ok: false,
      problems: ['matchers.0.value: invalid regular expression: missing closing ): `(`'],
    });
    expect(
      validateAs(CreateSilenceRequest, { ...window, matchers: [{ name: 'x', op: '=~', value: 'a'.repeat(1025) }] }),
    ).toEqual({ ok: false, problems: ['matchers.0.value: value must be shorter than or equal to 1024 characters'] });
    expect(
      validateAs(CreateSilenceRequest, { ...window, matchers: [{ name: 'x', op: '=~', value: '(a+)+$' }] }).ok,
    ).toBe(true);
  });
});
