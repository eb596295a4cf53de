// Microsecond timestamps: history and alert timelines order events that happen within one millisecond.
const originMicros = BigInt(Math.round(performance.timeOrigin * 1000));
let lastMicros = 0n;

/** Current time as integer unix microseconds, strictly increasing within this process. */
export function nowMicros(): bigint {
  let micros = originMicros + BigInt(Math.floor(performance.now() * 1000));
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  return micros;
}

/** ISO-8601 UTC with six fractional digits, e.g. `2026-11-22T15:16:26.123456Z`. */
export function isoMicros(micros: bigint = nowMicros()): string {
  const millis = micros / 1000n;
  const fraction = (micros % 1_000_000n).toString().padStart(6, '0');
  return new Date(Number(millis)).toISOString().replace(/\.\d{3}Z$/, `.${fraction}Z`);
}

const ISO_MICROS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses ISO-8601 (any fraction length, Z or offset) to unix microseconds; undefined if malformed. */
export function parseIsoMicros(value: string): bigint | undefined {
  const match = ISO_MICROS.exec(value);
  if (!match) return undefined;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = (match[2] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(seconds) * 1000n + BigInt(fraction);
}

/** A stats window as the API takes it: `15m`, `24h`, `7d` (1 to 9999 units). */
export const STATS_WINDOW = /^(\d{1,4})([mhd])$/;
const WINDOW_UNIT_SECONDS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86_400 };

/** `15m`, `24h`, `7d` → microseconds. */
export function windowMicros(window: string): number {
  const match = STATS_WINDOW.exec(window);
  if (!match) throw new RangeError(`window must look like 15m, 24h or 7d (got ${window})`);
  return Number(match[1]) * WINDOW_UNIT_SECONDS[match[2]!]! * 1_000_000;
}
