import { isoMicros, parseIsoMicros } from '@vigil/contracts';

/** Instants are stored as integer unix microseconds (bigint columns): exact in both dialects. */
export type Micros = number;

export function toIso(micros: Micros): string {
  return isoMicros(BigInt(micros));
}

export function fromIso(value: string): Micros {
  const micros = parseIsoMicros(value);
  if (micros === undefined) throw new RangeError(`not an ISO-8601 instant: ${value}`);
  return Number(micros);
}

/** A database value of a bigint column (pg returns strings, SQLite numbers). */
export function micros(value: string | number | bigint | null): Micros | null {
  return value === null ? null : Number(value);
}

const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

/** `15m`, `24h`, `7d` → microseconds. */
export function windowMicros(window: string): Micros {
  const match = /^(\d{1,4})([mhd])$/.exec(window);
  if (!match) throw new RangeError(`window must look like 15m, 24h or 7d (got ${window})`);
  return Number(match[1]) * UNITS[match[2]!]! * 1_000_000;
}
