#!/usr/bin/env node
// `npm run migrate [-- <service>...]`: runs the committed migrations of every service with a
// database, or of those named in the arguments or in VIGIL_SERVICE (comma-separated). It is what
// the Kubernetes migration Job runs; apps also migrate at start-up, serialised by an advisory lock.
import 'reflect-metadata';
import { CommonConfig, loadConfigOrExit } from '@vigil/config';
import { dialectFor, migrateServices, servicesToMigrate } from '@vigil/persistence';
import { ALL_PERSISTENCE } from '../persistence.js';

const log = (level: 'info' | 'error', msg: string, fields: Record<string, unknown> = {}) =>
  (level === 'error' ? process.stderr : process.stdout).write(
    `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`,
  );

const config = loadConfigOrExit(CommonConfig);
try {
  const args = process.argv.slice(2);
  const services = servicesToMigrate(args.length > 0 ? args : (process.env.VIGIL_SERVICE ?? '').split(','));
  log('info', 'migrating', { dialect: dialectFor(config), services });
  for (const report of await migrateServices(services, config, ALL_PERSISTENCE)) {
    log('info', report.applied.length ? 'migrated' : 'up to date', {
      service: report.service,
      applied: report.applied,
    });
  }
} catch (error) {
  log('error', 'migration failed', { error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
