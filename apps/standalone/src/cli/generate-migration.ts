#!/usr/bin/env node
// `npm run migration:generate -- <service|shared> <Name> [--dialect=postgres|sqlite] [--dry-run] [--check]`
// Writes one migration class per dialect from the difference between the committed migrations and
// the entities. The postgres dialect needs DATABASE_URL (a scratch schema is created and dropped).
// --check writes nothing and exits 1 when a migration is missing (for CI).
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import {
  DIALECTS,
  type Dialect,
  type MigrationTarget,
  generateMigrations,
  isDatabaseService,
} from '@vigil/persistence';
import { ALL_PERSISTENCE } from '../persistence.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dialect: { type: 'string' }, 'dry-run': { type: 'boolean' }, check: { type: 'boolean' } },
});
const [target, name = 'Check'] = positionals;
if (!target || (!values.check && positionals.length !== 2))
  fail('usage: migration:generate -- <service|shared> <Name> [--dialect=postgres|sqlite] [--dry-run] [--check]');
if (target !== 'shared' && !isDatabaseService(target))
  fail(`Unknown target "${target}": use shared or a service with a database`);
const dialects = (values.dialect ? [values.dialect] : [...DIALECTS]) as Dialect[];
if (!dialects.every((dialect) => (DIALECTS as readonly string[]).includes(dialect)))
  fail(`--dialect must be one of ${DIALECTS.join(', ')}`);

const results = await generateMigrations({
  target: target as MigrationTarget,
  name,
  dialects,
  databaseUrl: process.env.DATABASE_URL || undefined,
  rootDir: process.cwd(),
  dryRun: values['dry-run'] || values.check,
  catalog: ALL_PERSISTENCE,
});
let changed = false;
for (const result of results) {
  if (!result.file) {
    process.stdout.write(`${result.dialect}: no schema change\n`);
    continue;
  }
  changed = true;
  const verb = values.check ? 'missing migration' : values['dry-run'] ? 'would write' : 'wrote';
  process.stdout.write(`${result.dialect}: ${verb} ${result.file} (${result.className})\n`);
  for (const query of result.diff.up) process.stdout.write(`  ${query.query}\n`);
}
if (values.check && changed) process.exitCode = 1;
else if (changed && !values['dry-run'])
  process.stdout.write('Register the new classes in the migrations lists of each dialect.\n');
