import { truncate } from './truncate.js';

describe('truncate', () => {
  it('returns text within the cap unchanged', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts longer text to the cap, the marker saying how much was cut', () => {
    const text = 'x'.repeat(1000);
    const cut = truncate(text, 100);
    // Room is left for the longest marker (a four-digit count), so this one ends a character short.
    expect(cut).toBe(`${'x'.repeat(59)}\n[truncated: 941 of 1000 characters cut]`);
    expect(cut.length).toBe(99);
  });

  it('keeps only the marker when the cap leaves no room for text', () => {
    expect(truncate('abcdef', 2)).toBe('\n[truncated: 6 of 6 characters cut]');
  });

  it('does not split a surrogate pair', () => {
    const text = `${'a'.repeat(36)}😀${'b'.repeat(100)}`;
    // 76 leaves room for 37 characters: the 36 a's and the first half of the emoji, which goes too.
    expect(truncate(text, 76)).toBe(`${'a'.repeat(36)}\n[truncated: 102 of 138 characters cut]`);
  });

  it('refuses a negative or fractional cap', () => {
    expect(() => truncate('abc', -1)).toThrow('truncate: max must be a non-negative integer, got -1');
    expect(() => truncate('abc', 1.5)).toThrow('got 1.5');
  });
});
