#!/usr/bin/env node
// `node dist/apps/standalone/src/cli/init-keys.js <dir> [--database <dir>] [--broker <dir>]`:
//
// - into <dir>, the keys a distributed Vigil shares, as files the services read through
//   JWT_KEYS_FILE and SECRETS_KEY_FILE, generated once: a file that is there already is kept;
// - with --broker and --database (docker-compose.yml's `keys` job), also the credentials RabbitMQ and
//   PostgreSQL are created with, each in the directory of its reader, and the URLs built from them
//   (<dir>/amqp-url and <dir>/database-url for AMQP_URL_FILE and DATABASE_URL_FILE). Names and
//   passwords come from the environment (RABBITMQ_USER, RABBITMQ_PASSWORD, POSTGRES_USER,
//   POSTGRES_PASSWORD, POSTGRES_DB, VIGIL_DB_USER, VIGIL_DB_PASSWORD, RABBITMQ_HOST, POSTGRES_HOST);
//   a password left unset is generated on the first run and kept.
import 'reflect-metadata';
import { loadConfigOrExit } from '@vigil/config';
import { INIT_KEYS_USAGE, parseInitKeysArgs } from '../keys/init-keys-args.js';
import { writeSharedKeys } from '../keys/shared-keys.js';
import { StackCredentialsConfig, writeStackCredentials } from '../keys/stack-credentials.js';

const log = (fields: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...fields })}\n`);

const dirs = (() => {
  try {
    return parseInitKeysArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `init-keys: ${error instanceof Error ? error.message : String(error)}\nusage: ${INIT_KEYS_USAGE}\n`,
    );
    return process.exit(2);
  }
})();
// Refused settings stop it before it writes anything.
const credentials = dirs.database || dirs.broker ? loadConfigOrExit(StackCredentialsConfig) : undefined;
try {
  for (const key of writeSharedKeys(dirs.keys))
    log({ msg: key.created ? 'key generated' : 'key kept', variable: key.variable, file: key.path });
  if (credentials)
    for (const written of writeStackCredentials(dirs, credentials))
      log({ msg: `credential ${written.action}`, file: written.path });
} catch (error) {
  process.stderr.write(`init-keys: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
