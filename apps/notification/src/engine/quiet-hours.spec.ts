import { heldUntil, instantOf, quietUntil } from './quiet-hours.js';

describe('quiet hours', () => {
  const nights = { timeZone: 'Europe/Berlin', start: '22:00', end: '07:00' };

  it('holds messages during the local quiet period until it ends', () => {
    // 23:30 in Berlin (winter, UTC+1) is 22:30 UTC; the period ends 07:00 Berlin = 06:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-01-14T22:30:00Z'))).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(quietUntil(nights, Date.parse('2026-01-15T05:59:59Z'))).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(quietUntil(nights, Date.parse('2026-01-15T06:00:00Z'))).toBeNull();
    expect(quietUntil(nights, Date.parse('2026-01-15T12:00:00Z'))).toBeNull();
  });

  it('keeps local hours across daylight-saving changes', () => {
    // Europe/Berlin springs forward on 29 March 2026 (02:00 → 03:00): the night's end is 07:00 CEST = 05:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-03-28T22:00:00Z'))).toBe(Date.parse('2026-03-29T05:00:00Z'));
    // … and falls back on 25 October 2026: 07:00 CET = 06:00 UTC.
    expect(quietUntil(nights, Date.parse('2026-10-24T21:00:00Z'))).toBe(Date.parse('2026-10-25T06:00:00Z'));
    // A time inside the spring-forward gap moves forward by the gap: 02:30 is read as 03:30 CEST.
    expect(instantOf({ year: 2026, month: 3, day: 29 }, 150, 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    // New York: 8 March 2026, the night of 7→8 ends 07:00 EDT = 11:00 UTC.
    const ny = { timeZone: 'America/New_York', start: '22:00', end: '07:00' };
    expect(quietUntil(ny, Date.parse('2026-03-08T04:00:00Z'))).toBe(Date.parse('2026-03-08T11:00:00Z'));
  });

  it('starts periods only on the listed weekdays', () => {
    const weekend = { timeZone: 'UTC', start: '00:00', end: '00:00', days: ['sat' as const, 'sun' as const] };
    expect(quietUntil(weekend, Date.parse('2026-01-17T10:00:00Z'))).toBe(Date.parse('2026-01-18T00:00:00Z')); // Saturday
    expect(quietUntil(weekend, Date.parse('2026-01-19T10:00:00Z'))).toBeNull(); // Monday
  });

  it('lets the override severity and worse through', () => {
    const quiet = { ...nights, overrideSeverity: 'high' as const };
    const night = Date.parse('2026-01-14T23:00:00Z');
    expect(heldUntil(quiet, 'critical', night)).toBeNull();
    expect(heldUntil(quiet, 'high', night)).toBeNull();
    expect(heldUntil(quiet, 'warning', night)).toBe(Date.parse('2026-01-15T06:00:00Z'));
    expect(heldUntil(null, 'info', night)).toBeNull();
  });
});
