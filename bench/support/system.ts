// What the whole-system benchmarks share: the services started as their real entry points
// (dist/apps/<app>/src/main.js) over RabbitMQ and PostgreSQL, an HTTP client for the gateway,
// tenants and API keys created through the API as the bootstrap admin, percentiles, clean-up.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { Pool } from 'undici';
import { DEFAULT_RETRY_DELAYS_MS, RabbitBroker } from '@vigil/messaging';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { ALL_SERVICES } from '../../apps/standalone/src/services.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const JWT_KEYS = `bench:${'k'.repeat(48)}`;
/** The agent runners' key for stored secrets: 32 bytes, base64url. */
export const SECRETS_KEY = `bench:${Buffer.alloc(32, 7).toString('base64url')}`;
export const ADMIN = { email: 'bench-admin@vigil.test', password: 'bench tide-pool orchid lantern 7' };
/**
 * What every benchmark sets beside the addresses: the shared secrets, the first admin, and rate
 * limits far above the defaults (a load test is far above them).
 */
export const SERVICE_ENV = {
  LOG_LEVEL: 'warn',
  JWT_KEYS,
  SECRETS_KEY,
  VIGIL_ADMIN_EMAIL: ADMIN.email,
  VIGIL_ADMIN_PASSWORD: ADMIN.password,
  RATE_LIMIT_PER_KEY_PER_MIN: '100000000',
  RATE_LIMIT_PER_TENANT_PER_MIN: '100000000',
  RATE_LIMIT_LOGIN_PER_IP_PER_MIN: '100000',
};

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// ---- HTTP -----------------------------------------------------------------------------------------

export interface Reply {
  status: number;
  body: unknown;
}

export class Api {
  readonly pool: Pool;
  constructor(
    readonly url: string,
    connections: number,
  ) {
    this.pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async call(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
    const res = await this.pool.request({
      method,
      path,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async ok<T>(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: unknown,
    status: number,
  ): Promise<T> {
    const reply = await this.call(method, path, headers, body);
    if (reply.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body as T;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface BenchTenant {
  id: string;
  /** An API key per scope asked for. */
  keys: Record<string, string>;
}

/** `count` tenants, each with an API key per scope, created as the bootstrap (platform) admin. */
export async function createTenants(
  api: Api,
  run: string,
  count: number,
  scopes: readonly string[],
): Promise<BenchTenant[]> {
  const platform = await api.ok<{ access_token: string }>('POST', '/api/v1/auth/login', {}, ADMIN, 200);
  const tenants: BenchTenant[] = [];
  for (let i = 0; i < count; i++) {
    const slug = `bench-${run}-${i}`;
    const admin = { email: `admin@${slug}.test`, password: ADMIN.password, name: `Admin ${i}` };
    const created = await api.ok<{ id: string }>(
      'POST',
      '/api/v1/tenants',
      { authorization: `Bearer ${platform.access_token}` },
      { name: `Bench ${i}`, slug, admin },
      201,
    );
    const token = (
      await api.ok<{ access_token: string }>(
        'POST',
        '/api/v1/auth/login',
        {},
        { email: admin.email, password: admin.password, tenant: slug },
        200,
      )
    ).access_token;
    const keys: Record<string, string> = {};
    for (const scope of scopes)
      keys[scope] = (
        await api.ok<{ key: string }>(
          'POST',
          '/api/v1/api-keys',
          { authorization: `Bearer ${token}` },
          { name: `bench ${scope}`, scopes: [scope] },
          201,
        )
      ).key;
    tenants.push({ id: created.id, keys });
  }
  return tenants;
}

// ---- processes ------------------------------------------------------------------------------------

/** Drops and creates the benchmark's own database on the server of DATABASE_URL; returns its URL. */
export async function recreateDatabase(name: string): Promise<string> {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil');
  url.pathname = `/${name}`;
  const server = new URL(url.href);
  server.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: server.href });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await ensurePostgresDatabase(url.href);
  return url.href;
}

/** One service as an operator runs it: its built entry point, the environment given, output inherited. */
/** Every service a benchmark started and has not seen exit: killed when the benchmark exits, however it ends. */
const started = new Set<ChildProcess>();
let reaperInstalled = false;

function reapOnExit(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  process.once('exit', () => {
    for (const child of started) child.kill('SIGKILL');
  });
  // A crash (an unhandled rejection, an uncaught error) or Ctrl-C still runs the exit handler.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

export function startService(
  service: string,
  env: Record<string, string>,
  stdio: 'inherit' | 'ignore' = 'inherit',
): ChildProcess {
  return killedOnExit(
    spawn(process.execPath, [path.join(root, `dist/apps/${service}/src/main.js`)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', stdio, 'inherit'],
    }),
  );
}

/** The child, killed if the benchmark exits first (so a crashed run leaves no service behind). */
export function killedOnExit(child: ChildProcess): ChildProcess {
  reapOnExit();
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Deletes the queues and exchanges of a messaging namespace the services declared. */
export async function removeNamespace(namespace: string): Promise<void> {
  const broker = new RabbitBroker({ url: AMQP_URL, namespace, logger: pino({ level: 'warn' }) });
  await broker.connect();
  for (const def of ALL_SERVICES)
    for (const queue of broker.names.queuesOf(def.service, DEFAULT_RETRY_DELAYS_MS))
      await broker.deleteQueue(queue).catch(() => undefined);
  await broker.deleteExchange(broker.names.events).catch(() => undefined);
  await broker.deleteExchange(broker.names.deadLetterExchange).catch(() => undefined);
  await broker.close();
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
