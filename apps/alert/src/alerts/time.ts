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
