import { parseIsoMicros } from '@vigil/contracts';

/** 9999-12-31T23:59:59.999999Z: the last instant ISO-8601 (and so the API's answers) can spell. */
export const MAX_MICROS = 253_402_300_799_999_999n;

export type ParsedTimestamp = { ok: true; micros: bigint } | { ok: false; problem: string };

const DIGITS = /^\d{1,19}$/;

/**
 * A timestamp as clients send it: unix microseconds as a JSON number or a decimal string,
 * or ISO-8601 with a zone (`Z` or an offset) and any fraction; stored as microseconds.
 */
export function parseTimestamp(value: unknown): ParsedTimestamp {
  let micros: bigint | undefined;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0)
      return {
        ok: false,
        problem: 'must be unix microseconds (a non-negative integer), a decimal string of them, or ISO-8601',
      };
    micros = BigInt(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    micros = DIGITS.test(text) ? BigInt(text) : parseIsoMicros(text);
    if (micros === undefined)
      return {
        ok: false,
        problem: 'must be unix microseconds or ISO-8601 with a zone, e.g. 2026-11-22T08:35:53.208031Z',
      };
  } else {
    return {
      ok: false,
      problem: 'must be a number (unix microseconds) or a string (decimal microseconds or ISO-8601)',
    };
  }
  if (micros < 0n || micros > MAX_MICROS)
    return { ok: false, problem: 'is out of range (0 … 9999-12-31T23:59:59.999999Z)' };
  return { ok: true, micros };
}

/** An ISO-8601 time a webhook sent, in microseconds; undefined when unset, malformed or before 1970 (Go's zero time `0001-01-01T00:00:00Z` means unset). */
export function isoToMicros(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const micros = parseIsoMicros(value.trim());
  return micros !== undefined && micros > 0n && micros <= MAX_MICROS ? micros : undefined;
}
