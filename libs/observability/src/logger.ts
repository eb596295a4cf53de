import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Service name, on every line. */
  service: string;
  level?: LevelWithSilent;
  /** Extra fields per line, e.g. the correlation id of the message or request being handled. */
  context?: () => Record<string, unknown> | undefined;
  /** Where lines go; stdout by default (tests pass a stream to read them back). */
  destination?: pino.DestinationStream;
}

/** JSON lines: `time` as ISO-8601, `level` as a name, `service` and the current correlation id. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: options.context ? () => options.context?.() ?? {} : undefined,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
