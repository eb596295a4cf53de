import { windowMicros } from './time.js';

describe('windowMicros', () => {
  it('reads minutes, hours and days', () => {
    expect(windowMicros('15m')).toBe(15 * 60 * 1_000_000);
    expect(windowMicros('24h')).toBe(24 * 3_600 * 1_000_000);
    expect(windowMicros('7d')).toBe(7 * 86_400 * 1_000_000);
  });

  it('names what it expects', () => {
    expect(() => windowMicros('1w')).toThrow('window must look like 15m, 24h or 7d (got 1w)');
    expect(() => windowMicros('10000d')).toThrow(RangeError);
  });
});
