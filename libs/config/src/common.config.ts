import type { ServiceName } from '@vigil/contracts';
import { IsDefined, IsIn, IsNotEmpty, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';
import { Env } from './env.decorator.js';
import type { ResolvesDerivedValues } from './load-config.js';
import { AllowedWhen, IsIntegerIn, IsUrlWithScheme } from './validators.js';

export const VIGIL_MODES = ['standalone', 'distributed'] as const;
export type VigilMode = (typeof VIGIL_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Default HTTP port of each app (health and metrics in distributed mode; the gateway's API too). */
export const DEFAULT_PORTS: Readonly<Record<ServiceName, number>> = Object.freeze({
  gateway: 3000,
  user: 3001,
  alert: 3002,
  'agent-runner': 3003,
  history: 3004,
  notification: 3005,
});

export function defaultPortOf(service: ServiceName): number {
  return DEFAULT_PORTS[service];
}

/**
 * Variables every service reads. A service with variables of its own extends this class
 * (`class AlertConfig extends CommonConfig { @Env('...') @IsIntegerIn(1) FOO = 1; }`) and lists them in
 * `.env.example`. Field initialisers are the defaults; `loadConfig` overwrites them from the env.
 */
export class CommonConfig implements ResolvesDerivedValues {
  @Env(
    'standalone (one process, embedded broker, SQLite) or distributed (one process per service, RabbitMQ, PostgreSQL); default: distributed when AMQP_URL and DATABASE_URL are both set, else standalone',
  )
  @IsIn(VIGIL_MODES, { message: `must be one of ${VIGIL_MODES.join(', ')}` })
  VIGIL_MODE!: VigilMode;

  @Env('RabbitMQ URL, amqp:// or amqps://; required in distributed mode, must be unset in standalone mode', {
    fromFile: true,
  })
  @ValidateIf((config: CommonConfig) => config.VIGIL_MODE === 'distributed' || config.AMQP_URL !== undefined)
  @IsDefined({ message: 'is required when VIGIL_MODE is distributed' })
  @IsUrlWithScheme(['amqp', 'amqps'], { message: 'must be an amqp:// or amqps:// URL' })
  @AllowedWhen((config: CommonConfig) => config.VIGIL_MODE === 'distributed', {
    message:
      'must not be set in standalone mode, which uses the embedded broker (distributed mode needs both AMQP_URL and DATABASE_URL)',
  })
  AMQP_URL?: string;

  @Env(
    'PostgreSQL URL, postgres:// or postgresql://; required in distributed mode; unset: SQLite files in VIGIL_DATA_DIR',
    { fromFile: true },
  )
  @ValidateIf((config: CommonConfig) => config.VIGIL_MODE === 'distributed' || config.DATABASE_URL !== undefined)
  @IsDefined({ message: 'is required when VIGIL_MODE is distributed' })
  @IsUrlWithScheme(['postgres', 'postgresql'], { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Env('directory of the SQLite files (one per service) when DATABASE_URL is unset')
  @IsString()
  @IsNotEmpty({ message: 'must be a directory path' })
  VIGIL_DATA_DIR = './data';

  @Env(`log level: ${LOG_LEVELS.join(' | ')}`)
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  // Ports accept 0: the system picks any free port (tests, several local instances).
  @Env('HTTP port of the gateway (REST API, webhooks, WebSocket, OpenAPI docs)')
  @IsIntegerIn(0, 65535)
  PORT = 3000;

  @Env(
    'HTTP port for /health and /metrics of this app in distributed mode; default per service: gateway 3000, user 3001, alert 3002, agent-runner 3003, history 3004, notification 3005',
  )
  @IsOptional()
  @IsIntegerIn(0, 65535)
  HEALTH_PORT?: number;

  @Env('how long graceful shutdown may take to finish in-flight work, in milliseconds')
  @IsIntegerIn(0, undefined, 'milliseconds')
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @Env('how long an RPC caller waits for a reply, in milliseconds')
  @IsIntegerIn(1, undefined, 'milliseconds')
  RPC_TIMEOUT_MS = 5_000;

  @Env('unacknowledged messages a consumer may hold at once (RabbitMQ prefetch)')
  @IsIntegerIn(1, 65535)
  BUS_PREFETCH = 50;

  @Env('deliveries of a message before it goes to the dead-letter queue')
  @IsIntegerIn(1)
  BUS_MAX_ATTEMPTS = 5;

  @Env(
    'prefix of every exchange and queue name (vigil.events, vigil.<service>…); lets several Vigil installations share one RabbitMQ',
  )
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, { message: 'must be 1-64 lowercase letters, digits, dashes or underscores' })
  BUS_NAMESPACE = 'vigil';

  @Env('PostgreSQL connections per process (pool size)')
  @IsIntegerIn(1, 1000)
  DB_POOL_SIZE = 10;

  @Env(
    'PostgreSQL: longest a statement of a service may run before the server cancels it, in milliseconds (0: no limit); migrations are exempt',
  )
  @IsIntegerIn(0, undefined, 'milliseconds')
  DB_STATEMENT_TIMEOUT_MS = 30_000;

  @Env('how often a service publishes outbox events its fast path could not (broker down, crash), in milliseconds')
  @IsIntegerIn(1, undefined, 'milliseconds')
  OUTBOX_SWEEP_MS = 2_000;

  @Env(
    'days a service remembers the envelopes it handled (redeliveries come within minutes); older inbox rows are deleted hourly',
  )
  @IsIntegerIn(1, 3650, 'days')
  INBOX_RETENTION_DAYS = 7;

  /** The port an app serves health and metrics on: HEALTH_PORT, else the service's default. */
  healthPortOf(service: ServiceName): number {
    return this.HEALTH_PORT ?? defaultPortOf(service);
  }

  resolveDerivedValues(): void {
    this.VIGIL_MODE ??= this.AMQP_URL !== undefined && this.DATABASE_URL !== undefined ? 'distributed' : 'standalone';
  }
}
