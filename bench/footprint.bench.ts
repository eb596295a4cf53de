// Start-up time and idle memory of the standalone process and of each service in distributed mode.
// Run with `npm run bench:bus` (after the bus figures) or `node dist/bench/footprint.bench.js`.
// Targets (issue 2): standalone ready < 5 s; idle RSS < 400 MB standalone, < 150 MB per app distributed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
// A database of its own, recreated each run: schemas left by another version must not decide the figures.
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_bench_footprint';
const SERVICES = ['gateway', 'user', 'alert', 'agent-runner', 'history', 'notification'] as const;
const IDLE_SETTLE_MS = 3000;
// Distributed services share the access-token key (any 32+ bytes will do for a benchmark).
const JWT_KEYS = process.env.JWT_KEYS ?? `bench:${'k'.repeat(48)}`;
// And the agent runner's key for stored secrets (32 bytes, base64url).
const SECRETS_KEY = process.env.SECRETS_KEY ?? `bench:${Buffer.alloc(32, 7).toString('base64url')}`;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function waitReady(url: string, child: ChildProcess, deadlineMs = 30_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} not ready within ${deadlineMs} ms`);
}

function start(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(root, script)], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function standalone(): Promise<{ readyMs: number; rss: number }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-'));
  const port = 3190;
  const started = performance.now();
  const child = start('dist/apps/standalone/src/main.js', {
    PORT: String(port),
    VIGIL_DATA_DIR: dataDir,
    AMQP_URL: '',
    DATABASE_URL: '',
  });
  try {
    await waitReady(`http://127.0.0.1:${port}/health/ready`, child);
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    return { readyMs, rss: rssMb(child.pid!) };
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function distributed(): Promise<{ service: string; readyMs: number; rss: number }[]> {
  const children = SERVICES.map((service, i) => {
    const port = String(3180 + i);
    const env = {
      VIGIL_MODE: 'distributed',
      AMQP_URL,
      DATABASE_URL,
      JWT_KEYS,
      SECRETS_KEY,
      ...(service === 'gateway' ? { PORT: port } : { HEALTH_PORT: port }),
    };
    return { service, port, started: performance.now(), child: start(`dist/apps/${service}/src/main.js`, env) };
  });
  try {
    const ready = await Promise.all(
      children.map(async (c) => ({
        ...c,
        readyMs: (await waitReady(`http://127.0.0.1:${c.port}/health/ready`, c.child)) + 0,
      })),
    );
    await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
    return ready.map((c) => ({ service: c.service, readyMs: c.readyMs, rss: rssMb(c.child.pid!) }));
  } finally {
    await Promise.all(children.map((c) => stop(c.child)));
  }
}

// The distributed apps migrate their schemas themselves; the database must exist, and be new.
const { ensurePostgresDatabase } = await import('../libs/persistence/src/index.js');
if (!process.env.DATABASE_URL) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS vigil_bench_footprint WITH (FORCE)');
  await admin.end();
}
await ensurePostgresDatabase(DATABASE_URL);

const solo = await standalone();
console.log('\nFootprint');
console.log(
  `  standalone (six services, one process): ready in ${Math.round(solo.readyMs)} ms (target < 5000), idle RSS ${solo.rss} MB (target < 400)`,
);
for (const app of await distributed()) {
  console.log(
    `  distributed ${app.service.padEnd(13)} ready in ${String(Math.round(app.readyMs)).padStart(5)} ms, idle RSS ${String(app.rss).padStart(4)} MB (target < 150)`,
  );
}
