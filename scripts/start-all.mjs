#!/usr/bin/env node
// `npm run start:all`: the distributed mode on one machine — each service its own process over
// RabbitMQ and PostgreSQL (AMQP_URL / DATABASE_URL, defaulting to the local servers). Ctrl-C stops all.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { root } from './swc-options.mjs';

const services = ['user', 'alert', 'agent-runner', 'history', 'notification', 'gateway'];
const env = {
  ...process.env,
  VIGIL_MODE: 'distributed',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil',
  // For local use only: the services must share one access-token key; set your own in production.
  JWT_KEYS: process.env.JWT_KEYS ?? `local:${'local-development-key-'.repeat(3)}`,
  // Likewise the key that seals tenants' MCP server headers (32 bytes, base64url).
  SECRETS_KEY: process.env.SECRETS_KEY ?? 'local:bG9jYWwtZGV2ZWxvcG1lbnQtc2VjcmV0cy1rZXktMDA',
};

// A newcomer has a PostgreSQL server but not yet Vigil's database: create it (the apps migrate it).
const { ensurePostgresDatabase } = await import(path.join(root, 'dist/libs/persistence/src/index.js'));
await ensurePostgresDatabase(env.DATABASE_URL);

const children = services.map((service) => {
  const child = spawn(process.execPath, [path.join(root, 'dist/apps', service, 'src/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${service} exited (${signal ?? code}); stopping the others`);
    stop();
  });
  return child;
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
