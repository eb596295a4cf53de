import { interpolate } from './interpolate.js';

describe('interpolate', () => {
  const env = { A: '1', B_2: 'two', EMPTY: '' };

  it('replaces every reference, keeps escaped ones literal and the rest of the text as it is', () => {
    expect(interpolate('x${A}y${B_2}z $${A} $$ $A ${A}${A}', env)).toEqual({
      ok: true,
      value: 'x1ytwoz ${A} $$ $A 11',
    });
  });

  it('does not interpolate a value read from the environment a second time', () => {
    expect(interpolate('${A}', { A: '${B_2}', B_2: 'no' })).toEqual({ ok: true, value: '${B_2}' });
  });

  it('reports every bad reference of a string', () => {
    expect(interpolate('${MISSING} ${EMPTY} ${} ${A', env)).toEqual({
      ok: false,
      problems: [
        'environment variable MISSING is not set',
        'environment variable EMPTY is not set',
        '"${}" is not a variable name (letters, digits and "_")',
        'unterminated "${" (write "$${" for a literal one)',
      ],
    });
  });
});
