import { globMatches, globToRegExp } from './alert-type-glob.js';

describe('glob', () => {
  it.each<[string, string, boolean]>([
    ['Kube*', 'Kube', true],
    ['Kube*', 'KubeAPIDown', true],
    ['Kube*', 'kubeAPIDown', false],
    ['*Down', 'KubeAPIDown', true],
    ['*Down', 'KubeAPIDownX', false],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['*', '', true],
    ['a.c', 'abc', false],
    ['a*', 'a\nb', true],
    ['(x|y)', '(x|y)', true],
    ['(x|y)', 'x', false],
    ['\\d', '\\d', true],
    ['\\d', '1', false],
  ])('%j against %j: %s', (glob, alertType, expected) => {
    expect(globMatches(glob, alertType)).toBe(expected);
  });

  it('compiles to an anchored, case-sensitive expression', () => {
    expect(globToRegExp('a*b?.c').source).toBe('^a.*b.\\.c$');
    expect(globToRegExp('x').flags).toBe('su');
  });
});
