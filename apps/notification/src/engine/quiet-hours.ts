import { WEEKDAYS, type Severity } from '@vigil/contracts';
import type { QuietHoursSpec } from './routing.js';
import { atLeast } from './severity.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time in `timeZone` at `instant`, as if it were UTC (epoch ms). */
function wallClockOf(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(new Date(instant))
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/**
 * The instant a local wall-clock time happens in `timeZone`. A time skipped by a clock change (spring
 * forward) moves forward by the gap (02:30 is read as 03:30); a time that happens twice (fall back) is
 * its first occurrence.
 */
export function instantOf(date: LocalDate, minutes: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day) + minutes * MINUTE_MS;
  // Offsets on either side of the wanted time: one of them is the offset in force then.
  const candidates = [wall - DAY_MS / 2, wall + DAY_MS / 2].map(
    (probe) => wall - (wallClockOf(probe, timeZone) - probe),
  );
  const exact = candidates.filter((t) => wallClockOf(t, timeZone) === wall).sort((a, b) => a - b);
  if (exact.length) return exact[0]!;
  // In a gap: read with the offset before it, which lands after the gap.
  return Math.max(...candidates);
}

function localDateOf(instant: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockOf(instant, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The weekday of a date: mon … sun. */
function weekdayOf(date: LocalDate): (typeof WEEKDAYS)[number] {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return WEEKDAYS[(day + 6) % 7]!;
}

/** Minutes after midnight of 'HH:MM'. */
export function minutesOf(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`not a time of day (HH:MM): ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The quiet period `instant` falls in, as the instant it ends, or null when it is not quiet. A period
 * starts on a listed day (every day when none are) at `start` local time and ends at the next `end`
 * (the following day when `end` is not after `start`; a full day when they are equal). Computed in
 * the zone's own time, so a period keeps its local hours across daylight-saving changes.
 */
export function quietUntil(quiet: QuietHoursSpec, instant: number): number | null {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const today = localDateOf(instant, quiet.timeZone);
  // A period that began yesterday may still run (it spans midnight); one that begins today may have begun.
  for (const offset of [-1, 0]) {
    const day = addDays(today, offset);
    if (quiet.days?.length && !quiet.days.includes(weekdayOf(day))) continue;
    const from = instantOf(day, start, quiet.timeZone);
    const until = instantOf(end > start ? day : addDays(day, 1), end, quiet.timeZone);
    if (from <= instant && instant < until) return until;
  }
  return null;
}

/**
 * When a message of `severity` may go: now (null) or the end of the quiet period it falls in. An
 * alert of the override severity or worse is never held.
 */
export function heldUntil(
  quiet: QuietHoursSpec | null | undefined,
  severity: Severity,
  instant: number,
): number | null {
  if (!quiet) return null;
  if (quiet.overrideSeverity && atLeast(severity, quiet.overrideSeverity)) return null;
  return quietUntil(quiet, instant);
}
