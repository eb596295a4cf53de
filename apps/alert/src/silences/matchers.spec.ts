import type { LabelMatcher } from '@vigil/contracts';
import {
  compileMatchers,
  isSilenced,
  matchBudget,
  matcherProblems,
  REGEX_MATCH_LIMITS,
  silenceStateAt,
  storedPredicate,
} from './matchers.js';

const m = (name: string, op: LabelMatcher['op'], value: string): LabelMatcher => ({ name, op, value });

describe('silence matchers', () => {
  it('needs every matcher to hold', () => {
    const matches = compileMatchers([m('env', '=', 'prod'), m('team', '!=', 'db')]);
    expect(matches({ env: 'prod', team: 'web' })).toBe(true);
    expect(matches({ env: 'prod', team: 'db' })).toBe(false);
    expect(matches({ env: 'staging', team: 'web' })).toBe(false);
  });

  it('anchors regular expressions at both ends', () => {
    const matches = compileMatchers([m('service', '=~', 'api|web')]);
    expect(matches({ service: 'api' })).toBe(true);
    expect(matches({ service: 'web' })).toBe(true);
    expect(matches({ service: 'api-gateway' })).toBe(false);
    expect(matches({ service: 'myapi' })).toBe(false);
    expect(compileMatchers([m('service', '!~', 'api.*')])({ service: 'api-gateway' })).toBe(false);
    expect(compileMatchers([m('service', '!~', 'api.*')])({ service: 'web' })).toBe(true);
  });

  it('reads a missing label as the empty string', () => {
    expect(compileMatchers([m('team', '=', '')])({})).toBe(true);
    expect(compileMatchers([m('team', '!=', 'db')])({})).toBe(true);
    expect(compileMatchers([m('team', '=~', '.+')])({})).toBe(false);
  });

  it('does not read inherited properties as labels', () => {
    expect(compileMatchers([m('constructor', '=~', '.+')])({})).toBe(false);
  });

  it('names each invalid regular expression', () => {
    const problems = matcherProblems([m('a', '=', '('), m('b', '=~', '(unclosed'), m('c', '!~', '[z-a]')]);
    expect(problems).toEqual([
      'matchers[1].value (b=~"(unclosed"): invalid regular expression: missing closing ): `(unclosed`',
      'matchers[2].value (c!~"[z-a]"): invalid regular expression: invalid character class range: `z-a`',
    ]);
  });

  it('refuses what RE2 cannot match in linear time, saying why', () => {
    expect(
      matcherProblems([
        m('a', '=~', '(db)-\\1'),
        m('b', '=~', '(?=db)d.*'),
        m('c', '!~', '(?<!x)db'),
        m('d', '=~', '(?!x).*'),
        m('e', '=~', '.{1000}'),
      ]),
    ).toEqual([
      'matchers[0].value (a=~"(db)-\\\\1"): invalid regular expression: backreferences (`\\1`) are not supported: RE2 syntax only',
      'matchers[1].value (b=~"(?=db)d.*"): invalid regular expression: lookahead and lookbehind (`(?=`) are not supported: RE2 syntax only',
      'matchers[2].value (c!~"(?<!x)db"): invalid regular expression: lookahead and lookbehind (`(?<!`) are not supported: RE2 syntax only',
      'matchers[3].value (d=~"(?!x).*"): invalid regular expression: lookahead and lookbehind (`(?!`) are not supported: RE2 syntax only',
      'matchers[4].value (e=~".{1000}"): regular expression too large: it compiles to 1002 instructions, at most 1000 (counted repetitions such as {1,500} cost the most)',
    ]);
    expect(() => compileMatchers([m('a', '=~', '(a)\\1')])).toThrow(/backreferences/);
  });

  it('matches catastrophic-backtracking patterns in linear time, with RE2 semantics', () => {
    const nested = compileMatchers([m('host', '=~', '(a+)+$')]);
    expect(nested({ host: `${'a'.repeat(1000)}!` })).toBe(false);
    expect(nested({ host: 'a'.repeat(1000) })).toBe(true);
    expect(compileMatchers([m('host', '=~', '(a|a)*b')])({ host: 'a'.repeat(1000) })).toBe(false);
    expect(compileMatchers([m('host', '!~', '(a|a)*b')])({ host: `${'a'.repeat(1000)}b` })).toBe(false);
  });

  it('keeps the anchoring: a pattern cannot close the group it is put in', () => {
    expect(matcherProblems([m('a', '=~', 'x)|(?:.*')])).toEqual([
      'matchers[0].value (a=~"x)|(?:.*"): invalid regular expression: unexpected ): `x)|(?:.*`',
    ]);
    expect(compileMatchers([m('a', '=~', 'api$')])({ a: 'api' })).toBe(true);
    expect(compileMatchers([m('a', '=~', '(?i)API')])({ a: 'api' })).toBe(true);
    expect(compileMatchers([m('a', '=~', '')])({})).toBe(true);
  });

  it('does not evaluate a regex on a label value over the text limit: the matcher does not hold, either op', () => {
    const reasons: string[] = [];
    const long = 'x'.repeat(REGEX_MATCH_LIMITS.text + 1);
    expect(compileMatchers([m('url', '=~', 'x+')], (r) => reasons.push(r))({ url: long })).toBe(false);
    expect(compileMatchers([m('url', '!~', 'y')], (r) => reasons.push(r))({ url: long })).toBe(false);
    expect(compileMatchers([m('url', '=~', 'x+')])({ url: long.slice(1) })).toBe(true);
    expect(reasons).toEqual([
      `label url is longer than ${REGEX_MATCH_LIMITS.text} characters`,
      `label url is longer than ${REGEX_MATCH_LIMITS.text} characters`,
    ]);
  });

  it('bounds the regex evaluations of one alert across its silences', () => {
    const reasons: string[] = [];
    const misses = Array.from({ length: REGEX_MATCH_LIMITS.evaluations }, (_, i) =>
      compileMatchers([m('service', '=~', `other-${i}`)]),
    );
    const hit = compileMatchers([m('service', '=~', 'api')], (r) => reasons.push(r));
    expect(isSilenced([...misses, hit], { service: 'api' })).toBe(false);
    expect(reasons).toEqual(["the alert's regex matching budget is spent"]);
    expect(isSilenced([...misses.slice(1), hit], { service: 'api' })).toBe(true);
    // Equality matchers go first: a silence they rule out spends nothing.
    const ruledOut = compileMatchers([m('service', '=~', 'api'), m('env', '=', 'prod')]);
    const budget = matchBudget();
    expect(ruledOut({ service: 'api', env: 'dev' }, budget)).toBe(false);
    expect(budget).toEqual(matchBudget());
  });

  it("bounds one alert's regex work by program size times text length", () => {
    const reasons: string[] = [];
    const big = compileMatchers([m('text', '=~', '.*a.{1,495}')], (r) => reasons.push(r)); // 994 instructions
    const longest = 'a'.repeat(REGEX_MATCH_LIMITS.text);
    const budget = matchBudget();
    expect(big({ text: 'a'.repeat(512) }, budget)).toBe(true);
    expect(budget.steps).toBe(REGEX_MATCH_LIMITS.steps - 994 * 513);
    expect(big({ text: longest }, budget)).toBe(false);
    expect(reasons).toEqual(["the alert's regex matching budget is spent"]);
    // A fresh budget has room for one evaluation of the largest program on the longest text.
    const largest = compileMatchers([m('text', '=~', '.*a.{1,498}')]); // 1000 instructions
    expect(largest({ text: longest }, matchBudget())).toBe(true);
    expect(big({ text: longest })).toBe(true);
  });

  it('never throws on a stored silence: one that does not compile matches nothing, warned once', () => {
    const warnings: [string, string][] = [];
    const warn = (message: string, { reason }: { reason: string }) => warnings.push([message, reason]);
    const stale = storedPredicate(JSON.stringify({ matchers: [m('host', '=~', '(db)-\\1')], comment: null }), warn);
    expect([stale({ host: 'db-db' }), stale({ host: 'x' })]).toEqual([false, false]);
    expect(storedPredicate('{not json', warn)({})).toBe(false);
    expect(warnings.map(([message]) => message)).toEqual([
      'silence does not compile: it matches no alert',
      'silence does not compile: it matches no alert',
    ]);
    expect(warnings[0]![1]).toMatch(/backreferences/);

    warnings.length = 0;
    const long = 'x'.repeat(REGEX_MATCH_LIMITS.text + 1);
    const stored = storedPredicate(JSON.stringify({ matchers: [m('url', '=~', 'x+')], comment: null }), warn);
    expect([stored({ url: long }), stored({ url: long }), stored({ url: 'xx' })]).toEqual([false, false, true]);
    expect(warnings).toEqual([
      [
        'silence regex not evaluated: the silence does not apply to the alert',
        `label url is longer than ${REGEX_MATCH_LIMITS.text} characters`,
      ],
    ]);
  });

  it('tells active, pending and expired apart, and silences when any silence matches', () => {
    expect(silenceStateAt(10, 20, 5)).toBe('pending');
    expect(silenceStateAt(10, 20, 10)).toBe('active');
    expect(silenceStateAt(10, 20, 20)).toBe('expired');
    expect(isSilenced([compileMatchers([m('a', '=', '1')]), compileMatchers([m('b', '=', '2')])], { b: '2' })).toBe(
      true,
    );
    expect(isSilenced([], { b: '2' })).toBe(false);
  });
});
