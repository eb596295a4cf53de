import type { LabelMatcher } from '@vigil/contracts';
import { compileMatchers, isSilenced, matcherProblems, silenceStateAt } from './matchers.js';

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
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^matchers\[1\] \(b=~"\(unclosed"\): invalid regular expression/);
    expect(problems[1]).toMatch(/^matchers\[2\] \(c!~"\[z-a\]"\)/);
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
