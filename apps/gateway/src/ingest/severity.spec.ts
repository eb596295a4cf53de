import { normaliseSeverity } from './severity.js';
import { isoToMicros, parseTimestamp } from './timestamp.js';

describe('normaliseSeverity', () => {
  it.each([
    ['critical', 'critical', true],
    ['CRITICAL', 'critical', true],
    [' High ', 'high', true],
    ['warning', 'warning', true],
    ['low', 'low', true],
    ['Info', 'info', true],
    ['medium', 'warning', true],
    ['ERROR', 'high', true],
    ['sev1', 'warning', false],
    ['', 'warning', false],
    ['constructor', 'warning', false],
    ['__proto__', 'warning', false],
  ])('%j → %s', (raw, severity, recognised) => {
    expect(normaliseSeverity(raw)).toEqual({ severity, recognised });
  });
});

describe('timestamps', () => {
  it('takes unix microseconds as a number or a decimal string', () => {
    expect(parseTimestamp(1734562799999999)).toEqual({ ok: true, micros: 1734562799999999n });
    expect(parseTimestamp('1734562799999999')).toEqual({ ok: true, micros: 1734562799999999n });
    expect(parseTimestamp(0)).toEqual({ ok: true, micros: 0n });
  });

  it('takes ISO-8601 with a zone, any fraction, and stores microseconds', () => {
    expect(parseTimestamp('2026-11-22T08:35:53.20803165Z')).toEqual({ ok: true, micros: 1795336553208031n });
    expect(parseTimestamp('2026-11-22T10:35:53.208031+02:00')).toEqual({ ok: true, micros: 1795336553208031n });
  });

  it('refuses other shapes and out-of-range values with a reason', () => {
    for (const bad of [
      -1,
      1.5,
      '12.5',
      'yesterday',
      '2026-11-22',
      '2026-11-22T08:35:53',
      true,
      {},
      [],
      '99999999999999999999',
      2 ** 60,
    ]) {
      expect(parseTimestamp(bad)).toEqual({ ok: false, problem: expect.any(String) });
    }
  });

  it("reads Go's zero time as unset", () => {
    expect(isoToMicros('0001-01-01T00:00:00Z')).toBeUndefined();
    expect(isoToMicros('2026-11-22T08:35:57Z')).toBe(1795336557000000n);
    expect(isoToMicros(42)).toBeUndefined();
  });
});
