#!/usr/bin/env node
// `node dist/apps/standalone/src/cli/init-keys.js <dir>`: the keys a distributed Vigil shares, as
// files the services read through JWT_KEYS_FILE and SECRETS_KEY_FILE, generated once: a file that is
// there already is kept. docker-compose.yml runs it before the services start.
import { writeSharedKeys } from '../keys/shared-keys.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: init-keys <directory>\n');
  process.exit(2);
}
try {
  for (const key of writeSharedKeys(dir))
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: key.created ? 'key generated' : 'key kept', variable: key.variable, file: key.path })}\n`,
    );
} catch (error) {
  process.stderr.write(`init-keys: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
