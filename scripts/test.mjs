#!/usr/bin/env node
// `npm test`: unit tests, then every integration suite twice — on the embedded broker with SQLite,
// and on RabbitMQ with PostgreSQL (AMQP_URL / DATABASE_URL, defaulting to the local servers).
// Usage: node scripts/test.mjs [unit|integration] [jest path patterns or flags...]
// (patterns go before --selectProjects, which would otherwise read them as project names)
import { spawnSync } from 'node:child_process';
import { root } from './swc-options.mjs';

const [only, ...extra] = process.argv.slice(2);
const jest = ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js'];

const runs = [];
if (!only || only === 'unit') runs.push({ name: 'unit', args: ['--selectProjects', 'unit'], env: {} });
if (!only || only === 'integration') {
  runs.push({ name: 'integration (embedded broker + SQLite)', args: ['--selectProjects', 'integration', '--runInBand'], env: { VIGIL_TEST_MODE: 'embedded' } });
  runs.push({
    name: 'integration (RabbitMQ + PostgreSQL)',
    args: ['--selectProjects', 'integration', '--runInBand'],
    env: {
      VIGIL_TEST_MODE: 'distributed',
      AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test',
    },
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
  const result = spawnSync(process.execPath, [...jest, ...extra, ...run.args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...run.env },
  });
  summary.push(`${result.status === 0 ? 'PASS' : 'FAIL'}  ${run.name}`);
  if (result.status !== 0) {
    console.log(`\n${summary.join('\n')}`);
    process.exit(result.status ?? 1);
  }
}
console.log(`\n${summary.join('\n')}`);
