import { parseInitKeysArgs } from './init-keys-args.js';

describe('parseInitKeysArgs', () => {
  it('takes the keys directory alone, as the Kubernetes instructions run it', () => {
    expect(parseInitKeysArgs(['/keys'])).toEqual({ keys: '/keys', database: undefined, broker: undefined });
  });

  it("takes the database's and the broker's directories in any order", () => {
    expect(parseInitKeysArgs(['/k', '--broker', '/b', '--database', '/d'])).toEqual({
      keys: '/k',
      database: '/d',
      broker: '/b',
    });
    expect(parseInitKeysArgs(['--database=/d', '/k'])).toEqual({ keys: '/k', database: '/d', broker: undefined });
  });

  it('refuses no directory, two, an unknown option or one without its value', () => {
    expect(() => parseInitKeysArgs([])).toThrow('one directory expected, got 0');
    expect(() => parseInitKeysArgs(['/a', '/b'])).toThrow('one directory expected, got 2');
    expect(() => parseInitKeysArgs(['/k', '--secrets', '/s'])).toThrow(/Unknown option '--secrets'/);
    expect(() => parseInitKeysArgs(['/k', '--broker'])).toThrow(/--broker/);
  });
});
