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
