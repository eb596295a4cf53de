import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@vigil/config';
import {
  STACK_FILES,
  StackCredentialsConfig,
  writeStackCredentials,
  type StackDirectories,
} from './stack-credentials.js';

const read = (at: string) => readFileSync(at, 'utf8').trim();
const mode = (at: string) => statSync(at).mode & 0o777;

describe('writeStackCredentials', () => {
  let root: string;
  let dirs: Required<StackDirectories>;
  const defaults = () => loadConfig(StackCredentialsConfig, {});
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'vigil-stack-'));
    dirs = {
      keys: path.join(root, 'keys'),
      database: path.join(root, 'database'),
      broker: path.join(root, 'broker'),
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const at = {
    amqpUrl: () => path.join(dirs.keys, STACK_FILES.keys.amqpUrl),
    databaseUrl: () => path.join(dirs.keys, STACK_FILES.keys.databaseUrl),
    superuser: () => path.join(dirs.database, STACK_FILES.database.superuserPassword),
    runtime: () => path.join(dirs.database, STACK_FILES.database.runtimePassword),
    migrationUrl: () => path.join(dirs.database, STACK_FILES.database.migrationUrl),
    brokerPassword: () => path.join(dirs.broker, STACK_FILES.broker.password),
    rabbitmqConf: () => path.join(dirs.broker, STACK_FILES.broker.config),
  };

  it('generates three different passwords and URLs that use them, each file for its reader', () => {
    const written = writeStackCredentials(dirs, defaults());
    expect(written.map((w) => [path.relative(root, w.path), w.action])).toEqual([
      ['broker/rabbitmq-password', 'generated'],
      ['broker/rabbitmq.conf', 'written'],
      ['keys/amqp-url', 'written'],
      ['database/postgres-password', 'generated'],
      ['database/vigil-db-password', 'generated'],
      ['database/migration-database-url', 'written'],
      ['keys/database-url', 'written'],
    ]);
    const [rabbit, superuser, runtime] = [read(at.brokerPassword()), read(at.superuser()), read(at.runtime())];
    expect(new Set([rabbit, superuser, runtime]).size).toBe(3);
    for (const pass of [rabbit, superuser, runtime]) expect(pass).toMatch(/^[A-Za-z0-9_-]{32}$/);

    expect(read(at.rabbitmqConf()).split('\n')).toEqual([`default_user = 'vigil'`, `default_pass = '${rabbit}'`]);
    const amqp = new URL(read(at.amqpUrl()));
    expect([amqp.protocol, amqp.username, amqp.password, amqp.hostname, amqp.port]).toEqual([
      'amqp:',
      'vigil',
      rabbit,
      'rabbitmq',
      '5672',
    ]);
    const services = new URL(read(at.databaseUrl()));
    expect([services.username, services.password, services.host, services.pathname]).toEqual([
      'vigil_app',
      runtime,
      'postgres:5432',
      '/vigil',
    ]);
    const owner = new URL(read(at.migrationUrl()));
    expect([owner.username, owner.password, owner.host, owner.pathname]).toEqual([
      'vigil',
      superuser,
      'postgres:5432',
      '/vigil',
    ]);
  });

  it("keeps everything private to its owner, except what PostgreSQL's and RabbitMQ's own users read", () => {
    writeStackCredentials(dirs, defaults());
    for (const file of [at.amqpUrl(), at.databaseUrl(), at.superuser(), at.migrationUrl(), at.brokerPassword()])
      expect({ file: path.relative(root, file), mode: mode(file) }).toEqual({
        file: path.relative(root, file),
        mode: 0o600,
      });
    expect(mode(at.runtime())).toBe(0o644);
    expect(mode(at.rabbitmqConf())).toBe(0o644);
  });

  it('keeps the passwords on the next start (the broker and the database only take them on their first)', () => {
    writeStackCredentials(dirs, defaults());
    const before = Object.values(at).map((f) => read(f()));
    const again = writeStackCredentials(dirs, defaults());
    expect(again.filter((w) => w.action !== 'written').map((w) => w.action)).toEqual(['kept', 'kept', 'kept']);
    expect(Object.values(at).map((f) => read(f()))).toEqual(before);
  });

  it('uses the names and passwords it is given, URL-encoded in the URLs', () => {
    const config = loadConfig(StackCredentialsConfig, {
      RABBITMQ_HOST: 'mq.internal',
      RABBITMQ_USER: 'bus',
      RABBITMQ_PASSWORD: 'p@ss/w:rd#1',
      POSTGRES_HOST: 'db.internal',
      POSTGRES_USER: 'owner',
      POSTGRES_PASSWORD: 'su-password-1',
      POSTGRES_DB: 'alerts',
      VIGIL_DB_USER: 'app',
      VIGIL_DB_PASSWORD: 'app-password-1',
    });
    const written = writeStackCredentials(dirs, config);
    expect(written.filter((w) => w.action !== 'written').map((w) => w.action)).toEqual(['set', 'set', 'set']);
    expect(read(at.rabbitmqConf())).toContain(`default_pass = 'p@ss/w:rd#1'`);
    expect(read(at.amqpUrl())).toBe('amqp://bus:p%40ss%2Fw%3Ard%231@mq.internal:5672');
    const amqp = new URL(read(at.amqpUrl()));
    expect(decodeURIComponent(amqp.password)).toBe('p@ss/w:rd#1');
    expect(read(at.databaseUrl())).toBe('postgres://app:app-password-1@db.internal:5432/alerts');
    expect(read(at.migrationUrl())).toBe('postgres://owner:su-password-1@db.internal:5432/alerts');
    expect(read(at.runtime())).toBe('app-password-1');
  });

  it('replaces a kept password with one given later, for every file built from it', () => {
    writeStackCredentials(dirs, defaults());
    writeStackCredentials(dirs, loadConfig(StackCredentialsConfig, { RABBITMQ_PASSWORD: 'a-new-password' }));
    expect(read(at.brokerPassword())).toBe('a-new-password');
    expect(new URL(read(at.amqpUrl())).password).toBe('a-new-password');
    expect(read(at.rabbitmqConf())).toContain(`default_pass = 'a-new-password'`);
  });

  it('writes only what its directories ask for', () => {
    const written = writeStackCredentials({ keys: dirs.keys, broker: dirs.broker }, defaults());
    expect(written.map((w) => path.relative(root, w.path))).toEqual([
      'broker/rabbitmq-password',
      'broker/rabbitmq.conf',
      'keys/amqp-url',
    ]);
  });

  it('refuses a password that cannot be written into rabbitmq.conf as it is, without showing it', () => {
    let error: unknown;
    try {
      loadConfig(StackCredentialsConfig, { RABBITMQ_PASSWORD: "it's-a-secret" });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'Invalid configuration: RABBITMQ_PASSWORD must be 8-128 printable ASCII characters without spaces, quotes or backslashes (got 13 characters, not shown)',
    );
  });
});
