import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { ensurePostgresDatabase } from '@vigil/persistence';

export type TestMode = 'embedded' | 'distributed';

/** VIGIL_TEST_MODE: `embedded` (embedded broker + SQLite) unless `distributed` (RabbitMQ + PostgreSQL). */
export const TEST_MODE: TestMode = process.env.VIGIL_TEST_MODE === 'distributed' ? 'distributed' : 'embedded';
export const DIALECT = TEST_MODE === 'distributed' ? ('postgres' as const) : ('sqlite' as const);
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The PostgreSQL database of the run; suites make databases of their own next to it. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test';

/** A short random suffix: names of this run's own databases, namespaces and directories. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/** A messaging namespace of its own: never messages of another suite, run or local installation. */
export function uniqueNamespace(label = 'test'): string {
  return `vigil-${label}-${uniqueSuffix()}`;
}

export interface ScratchDirectory {
  readonly path: string;
  remove(): void;
}

export function scratchDirectory(label = 'test'): ScratchDirectory {
  const dir = mkdtempSync(path.join(tmpdir(), `vigil-${label}-`));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database on DATABASE_URL's server, dropped by drop(). */
export async function freshPostgresDatabase(label = 'test'): Promise<FreshDatabase> {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${url.pathname.slice(1)}_${label.replace(/[^a-z0-9]/gi, '_')}_${uniqueSuffix()}`.toLowerCase();
  await ensurePostgresDatabase(url.href);
  return {
    url: url.href,
    async drop() {
      const server = new URL(url.href);
      server.pathname = '/postgres';
      const client = new pg.Client({ connectionString: server.href });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A stream that parses the JSON log lines written to it into `into`. */
export function logCollector(into: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) into.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
}

/**
 * Sets process variables (undefined removes one) and returns the function that puts them back:
 * services read their own variables from the process environment when they start.
 */
export function setProcessEnv(env: Record<string, string | undefined>): () => void {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]] as const));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
