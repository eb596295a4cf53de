import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Env } from '@vigil/config';
import { IsOptional, Matches } from 'class-validator';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,62}$/;
const NAME_MESSAGE = {
  message: 'must be 1-63 letters, digits, dots, dashes or underscores, not starting with a digit',
};
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const HOST_MESSAGE = { message: 'must be a host name' };
// Printable ASCII without spaces, quotes or backslashes: written unescaped into URLs (encoded) and
// between single quotes into rabbitmq.conf.
const PASSWORD = /^[!#-&(-[\]-~]{8,128}$/;
const PASSWORD_MESSAGE = {
  message: 'must be 8-128 printable ASCII characters without spaces, quotes or backslashes',
};

/**
 * What the RabbitMQ and PostgreSQL of a docker-compose stack are created with. Names have defaults;
 * a password left unset is generated on the first start and kept; one that is set is used instead.
 */
export class StackCredentialsConfig {
  @Env('host name of RabbitMQ in the AMQP URL written for the services')
  @Matches(HOST, HOST_MESSAGE)
  RABBITMQ_HOST = 'rabbitmq';

  @Env('RabbitMQ user the services connect as (created by RabbitMQ on its first start)')
  @Matches(NAME, NAME_MESSAGE)
  RABBITMQ_USER = 'vigil';

  @Env("that user's password; unset: generated on the first start and kept", { secret: true })
  @IsOptional()
  @Matches(PASSWORD, PASSWORD_MESSAGE)
  RABBITMQ_PASSWORD?: string;

  @Env('host name of PostgreSQL in the database URLs written for the services and the migrations')
  @Matches(HOST, HOST_MESSAGE)
  POSTGRES_HOST = 'postgres';

  @Env('the PostgreSQL superuser, which runs the migrations and owns the tables')
  @Matches(NAME, NAME_MESSAGE)
  POSTGRES_USER = 'vigil';

  @Env("the superuser's password; unset: generated on the first start and kept", { secret: true })
  @IsOptional()
  @Matches(PASSWORD, PASSWORD_MESSAGE)
  POSTGRES_PASSWORD?: string;

  @Env("Vigil's database")
  @Matches(NAME, NAME_MESSAGE)
  POSTGRES_DB = 'vigil';

  @Env('the login the services connect as: a member of vigil_service, no superuser, owns nothing')
  @Matches(NAME, NAME_MESSAGE)
  VIGIL_DB_USER = 'vigil_app';

  @Env("that login's password; unset: generated on the first start and kept", { secret: true })
  @IsOptional()
  @Matches(PASSWORD, PASSWORD_MESSAGE)
  VIGIL_DB_PASSWORD?: string;
}

/** The directories the files go to: one per reader, so that each container sees only its own. */
export interface StackDirectories {
  /** The services' (with the shared keys): the URLs they connect with. */
  keys: string;
  /** PostgreSQL's and the migration job's: the passwords the server is created with, the owner's URL. */
  database?: string;
  /** RabbitMQ's: the configuration file that creates the services' user. */
  broker?: string;
}

/** File names, for the deployment files that point at them. */
export const STACK_FILES = {
  keys: { amqpUrl: 'amqp-url', databaseUrl: 'database-url' },
  database: {
    superuserPassword: 'postgres-password',
    runtimePassword: 'vigil-db-password',
    migrationUrl: 'migration-database-url',
  },
  broker: { password: 'rabbitmq-password', config: 'rabbitmq.conf' },
} as const;

export interface WrittenCredential {
  path: string;
  /** generated: a new password; kept: the one from an earlier start; set: the one configured; written: derived. */
  action: 'generated' | 'kept' | 'set' | 'written';
}

// Readable by the owner only, except what the database and the broker read as their own users (their
// images run them as another uid than this job's): their volumes are mounted by nothing else.
const PRIVATE = 0o600;
const FOR_ANOTHER_USER = 0o644;

function write(at: string, text: string, mode: number): void {
  writeFileSync(at, text, { mode });
  chmodSync(at, mode);
}

/** A password file: the configured value if any, else the one already there, else a new one. */
function password(at: string, configured: string | undefined, mode: number, out: WrittenCredential[]): string {
  const existing = existsSync(at) ? readFileSync(at, 'utf8').trim() : '';
  if (configured !== undefined) {
    if (configured !== existing) write(at, `${configured}\n`, mode);
    out.push({ path: at, action: configured === existing ? 'kept' : 'set' });
    return configured;
  }
  if (existing) {
    out.push({ path: at, action: 'kept' });
    return existing;
  }
  const generated = randomBytes(24).toString('base64url');
  write(at, `${generated}\n`, mode);
  out.push({ path: at, action: 'generated' });
  return generated;
}

function derived(at: string, text: string, mode: number, out: WrittenCredential[]): void {
  write(at, text, mode);
  out.push({ path: at, action: 'written' });
}

const userInfo = (user: string, pass: string) => `${encodeURIComponent(user)}:${encodeURIComponent(pass)}`;

/**
 * Writes the broker's and the database's credentials (when their directory is given) and the URLs
 * built from them. Passwords are kept across restarts, since RabbitMQ and PostgreSQL take them on
 * their first start only; the URLs and rabbitmq.conf are rewritten from them every time.
 */
export function writeStackCredentials(dirs: StackDirectories, config: StackCredentialsConfig): WrittenCredential[] {
  const out: WrittenCredential[] = [];
  mkdirSync(dirs.keys, { recursive: true });
  if (dirs.broker) {
    mkdirSync(dirs.broker, { recursive: true });
    const files = STACK_FILES.broker;
    const pass = password(path.join(dirs.broker, files.password), config.RABBITMQ_PASSWORD, PRIVATE, out);
    // rabbitmq.conf: RabbitMQ creates this user (instead of guest) when its database is empty.
    derived(
      path.join(dirs.broker, files.config),
      `default_user = '${config.RABBITMQ_USER}'\ndefault_pass = '${pass}'\n`,
      FOR_ANOTHER_USER,
      out,
    );
    derived(
      path.join(dirs.keys, STACK_FILES.keys.amqpUrl),
      `amqp://${userInfo(config.RABBITMQ_USER, pass)}@${config.RABBITMQ_HOST}:5672\n`,
      PRIVATE,
      out,
    );
  }
  if (dirs.database) {
    mkdirSync(dirs.database, { recursive: true });
    const files = STACK_FILES.database;
    const database = `${config.POSTGRES_HOST}:5432/${encodeURIComponent(config.POSTGRES_DB)}`;
    const superuser = password(
      path.join(dirs.database, files.superuserPassword),
      config.POSTGRES_PASSWORD,
      PRIVATE,
      out,
    );
    const runtime = password(
      path.join(dirs.database, files.runtimePassword),
      config.VIGIL_DB_PASSWORD,
      FOR_ANOTHER_USER,
      out,
    );
    derived(
      path.join(dirs.database, files.migrationUrl),
      `postgres://${userInfo(config.POSTGRES_USER, superuser)}@${database}\n`,
      PRIVATE,
      out,
    );
    derived(
      path.join(dirs.keys, STACK_FILES.keys.databaseUrl),
      `postgres://${userInfo(config.VIGIL_DB_USER, runtime)}@${database}\n`,
      PRIVATE,
      out,
    );
  }
  return out;
}
