import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Default JSON logger of the messaging layer; level from LOG_LEVEL (default info). */
export function createMessagingLogger(): Logger {
  return pino({ name: 'vigil-messaging', level: process.env.LOG_LEVEL ?? 'info' });
}
