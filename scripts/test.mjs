#!/usr/bin/env node
// `npm test`: unit tests, then every integration suite twice — on the embedded broker with SQLite,
// and on RabbitMQ with PostgreSQL (AMQP_URL / DATABASE_URL, defaulting to the local servers).
// Usage: node scripts/test.mjs [unit|integration] [jest path patterns or flags...]
// (patterns go before --selectProjects, which would otherwise read them as project names)
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { root } from './swc-options.mjs';

// Each run gets a PostgreSQL database of its own, dropped afterwards: a database left by an older
// run (other migrations, other rows) must never decide whether this one passes. An explicit
// DATABASE_URL is used as it is.
const SERVER_URL = 'postgres://postgres@127.0.0.1:5432';
const RUN_DATABASE = `vigil_test_${Math.floor(Date.now() / 1000)}_${process.pid}`;
const STALE_AFTER_SECONDS = 6 * 3600;

async function withServer(work) {
  const client = new pg.Client({ connectionString: `${SERVER_URL}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createRunDatabase() {
  await withServer(async (client) => {
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'vigil\\_test\\_%'");
    const now = Date.now() / 1000;
    for (const { datname } of rows) {
      const created = Number(datname.split('_')[2]);
      if (created && now - created > STALE_AFTER_SECONDS)
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
    await client.query(`CREATE DATABASE "${RUN_DATABASE}"`);
  });
}

async function dropRunDatabase() {
  await withServer((client) => client.query(`DROP DATABASE IF EXISTS "${RUN_DATABASE}" WITH (FORCE)`)).catch(
    (error) => {
      console.error(`could not drop ${RUN_DATABASE}: ${error.message}`);
    },
  );
}

const [only, ...extra] = process.argv.slice(2);
const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js'];

const runs = [];
if (!only || only === 'unit') runs.push({ name: 'unit', args: ['--selectProjects', 'unit'], env: {} });
if (!only || only === 'integration') {
  runs.push({
    name: 'integration (embedded broker + SQLite)',
    args: ['--selectProjects', 'integration', '--runInBand'],
    env: { VIGIL_TEST_MODE: 'embedded' },
  });
  runs.push({
    name: 'integration (RabbitMQ + PostgreSQL)',
    args: ['--selectProjects', 'integration', '--runInBand'],
    env: {
      VIGIL_TEST_MODE: 'distributed',
      AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      DATABASE_URL: process.env.DATABASE_URL ?? `${SERVER_URL}/${RUN_DATABASE}`,
    },
    ownDatabase: !process.env.DATABASE_URL,
  });
}

// The process-level integration tests start the built entry points: build first (incremental).
if (runs.some((r) => r.name.startsWith('integration'))) {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const summary = [];
for (const run of runs) {
  console.log(`\n=== ${run.name} ===`);
  if (run.ownDatabase) await createRunDatabase();
  const result = spawnSync(process.execPath, [...jest, ...extra, ...run.args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...run.env },
  });
  if (run.ownDatabase) await dropRunDatabase();
  summary.push(`${result.status === 0 ? 'PASS' : 'FAIL'}  ${run.name}`);
  if (result.status !== 0) {
    console.log(`\n${summary.join('\n')}`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\n${summary.join('\n')}`);
