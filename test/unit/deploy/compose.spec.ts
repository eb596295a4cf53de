// docker-compose.yml for the distributed mode (README, "Running modes"), checked without a Docker engine:
// parsed with its anchors and merge keys, interpolated with its own defaults, then checked for
// what `docker compose up` needs to bring all six services up healthy.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  APPS,
  dependenciesOf,
  dict,
  environmentOf,
  execForm,
  isDict,
  loadCompose,
  namedVolumesOf,
  parseDockerfile,
  publishedPortsOf,
  readRepoFile,
  repoRoot,
  stageChain,
  stringList,
  type Dict,
} from './deploy-files.js';

import { CommonConfig, loadConfig, loadServiceConfig } from '@vigil/config';
import { parseInitKeysArgs } from '../../../apps/standalone/src/keys/init-keys-args.js';
import { writeSharedKeys } from '../../../apps/standalone/src/keys/shared-keys.js';
import { StackCredentialsConfig, writeStackCredentials } from '../../../apps/standalone/src/keys/stack-credentials.js';
import { ALL_SERVICES } from '../../../apps/standalone/src/services.js';

const compose = loadCompose();
const { services } = compose;
const dockerfile = parseDockerfile();
const rootPackage = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
/** Where the keys job writes the shared keys and the services read them (the vigil-keys volume). */
const KEYS_DIR = '/run/vigil-keys';
const VIGIL_CONTAINERS = ['keys', 'migrate', ...APPS.map((a) => a.name)];

// ------------------------------------------------------------------------------------------------
// The named volumes as scratch directories, filled by the keys job's own code run with its own
// command and environment: what every other container then reads from them.

const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-compose-volumes-'));
const volumeDirs = new Map<string, string>();

interface Mount {
  volume: string;
  target: string;
  readOnly: boolean;
}

/** The named volumes a service mounts, with where and how. */
function mountsOf(name: string): Mount[] {
  const volumes = services[name]?.volumes;
  if (!Array.isArray(volumes)) return [];
  return volumes.flatMap((entry: unknown): Mount[] => {
    const [source, target, flags] = String(entry).split(':');
    if (target === undefined || /^[./~]/.test(source!)) return [];
    return [{ volume: source!, target, readOnly: (flags ?? '').split(',').includes('ro') }];
  });
}

/** The scratch path of a file a container sees at `at`, through the named volume mounted there. */
function fileOf(name: string, at: string): string {
  const mount = mountsOf(name).find((m) => at.startsWith(`${m.target}/`));
  if (!mount) throw new Error(`${name}: ${at} is in no volume it mounts`);
  if (!volumeDirs.has(mount.volume)) volumeDirs.set(mount.volume, path.join(scratch, mount.volume));
  return path.join(volumeDirs.get(mount.volume)!, path.relative(mount.target, at));
}

function dirOf(name: string, at: string): string {
  return path.dirname(fileOf(name, `${at}/-`));
}

/** Runs what the keys job runs (init-keys with its arguments and environment) into the scratch volumes. */
function runKeysJob(): void {
  const command = stringList(services.keys!.command, 'keys.command');
  expect(command.slice(0, 2)).toEqual(['node', 'dist/apps/standalone/src/cli/init-keys.js']);
  // Its own argument parser: the directories it writes to, as this container sees them.
  const dirs = parseInitKeysArgs(command.slice(2));
  expect([dirs.database, dirs.broker].every(Boolean)).toBe(true);
  writeSharedKeys(dirOf('keys', dirs.keys));
  writeStackCredentials(
    { keys: dirOf('keys', dirs.keys), database: dirOf('keys', dirs.database!), broker: dirOf('keys', dirs.broker!) },
    loadConfig(StackCredentialsConfig, environmentOf(services.keys!)),
  );
}
runKeysJob();

/** A container's environment as its process sees it: *_FILE variables name the scratch files. */
function containerEnv(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environmentOf(services[name]!)).map(([k, v]) => [k, k.endsWith('_FILE') ? fileOf(name, v) : v]),
  );
}

const readText = (file: string) => readFileSync(file, 'utf8').trim();

// Keys Compose knows (compose-spec), to catch a misspelt key that Compose would reject or,
// worse, that a lenient tool would silently drop (a `healtcheck:` is no health check at all).
const SERVICE_KEYS = new Set([
  'annotations',
  'attach',
  'blkio_config',
  'build',
  'cap_add',
  'cap_drop',
  'cgroup',
  'cgroup_parent',
  'command',
  'configs',
  'container_name',
  'cpu_count',
  'cpu_percent',
  'cpu_period',
  'cpu_quota',
  'cpu_rt_period',
  'cpu_rt_runtime',
  'cpu_shares',
  'cpus',
  'cpuset',
  'credential_spec',
  'depends_on',
  'deploy',
  'develop',
  'device_cgroup_rules',
  'devices',
  'dns',
  'dns_opt',
  'dns_search',
  'domainname',
  'entrypoint',
  'env_file',
  'environment',
  'expose',
  'extends',
  'external_links',
  'extra_hosts',
  'gpus',
  'group_add',
  'healthcheck',
  'hostname',
  'image',
  'init',
  'ipc',
  'isolation',
  'labels',
  'links',
  'logging',
  'mac_address',
  'mem_limit',
  'mem_reservation',
  'mem_swappiness',
  'memswap_limit',
  'network_mode',
  'networks',
  'oom_kill_disable',
  'oom_score_adj',
  'pid',
  'pids_limit',
  'platform',
  'ports',
  'privileged',
  'profiles',
  'pull_policy',
  'read_only',
  'restart',
  'runtime',
  'scale',
  'secrets',
  'security_opt',
  'shm_size',
  'stdin_open',
  'stop_grace_period',
  'stop_signal',
  'storage_opt',
  'sysctls',
  'tmpfs',
  'tty',
  'ulimits',
  'user',
  'userns_mode',
  'uts',
  'volumes',
  'volumes_from',
  'working_dir',
]);
const TOP_LEVEL_KEYS = new Set([
  'version',
  'name',
  'include',
  'services',
  'networks',
  'volumes',
  'secrets',
  'configs',
  'models',
]);
const HEALTHCHECK_KEYS = new Set([
  'test',
  'interval',
  'timeout',
  'retries',
  'start_period',
  'start_interval',
  'disable',
]);
const BUILD_KEYS = new Set([
  'context',
  'dockerfile',
  'dockerfile_inline',
  'args',
  'ssh',
  'cache_from',
  'cache_to',
  'additional_contexts',
  'entitlements',
  'extra_hosts',
  'isolation',
  'privileged',
  'labels',
  'no_cache',
  'pull',
  'network',
  'shm_size',
  'target',
  'secrets',
  'tags',
  'ulimits',
  'platforms',
]);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const PATTERN_NAME = /^[a-zA-Z0-9._-]+$/;

function userKeys(map: Dict): string[] {
  return Object.keys(map).filter((k) => !k.startsWith('x-'));
}

function healthcheckOf(name: string): Dict | undefined {
  const hc = services[name].healthcheck;
  return hc === undefined ? undefined : dict(hc, `${name}.healthcheck`);
}

function hasWorkingHealthcheck(name: string): boolean {
  const hc = healthcheckOf(name);
  if (!hc || hc.disable === true) return false;
  const test = stringList(hc.test, `${name}.healthcheck.test`);
  return test.length > 0 && test[0] !== 'NONE';
}

function url(text: string | undefined, what: string): URL {
  if (!text) throw new Error(`${what} is not set`);
  return new URL(text);
}

/** The dist/…js files a service's command or the image's CMD would run, per app. */
function distEntryPoints(): { where: string; dist: string }[] {
  const out: { where: string; dist: string }[] = [];
  for (const [name, svc] of Object.entries(services)) {
    if (svc.command === undefined) continue;
    for (const word of stringList(svc.command, `${name}.command`).join(' ').split(/\s+/))
      if (/^dist\/.*\.js$/.test(word)) out.push({ where: `docker-compose.yml services.${name}.command`, dist: word });
  }
  const cmd = execForm(
    stageChain(dockerfile, dockerfile.stages[dockerfile.stages.length - 1]!, {})
      .flatMap((stage) => stage.instructions)
      .filter((i) => i.keyword === 'CMD')
      .pop()?.args ?? '',
  );
  for (const word of cmd ?? []) if (/^dist\/.*\.js$/.test(word)) out.push({ where: 'Dockerfile CMD', dist: word });
  return out;
}

describe('docker-compose.yml', () => {
  it('uses only keys Compose knows', () => {
    expect(Object.keys(compose.raw).filter((k) => !k.startsWith('x-') && !TOP_LEVEL_KEYS.has(k))).toEqual([]);
    for (const [name, svc] of Object.entries(services)) {
      expect({ name, ok: PATTERN_NAME.test(name) }).toEqual({ name, ok: true });
      expect({ name, unknown: userKeys(svc).filter((k) => !SERVICE_KEYS.has(k)) }).toEqual({ name, unknown: [] });
      const hc = healthcheckOf(name);
      if (hc) {
        expect({ name, unknown: userKeys(hc).filter((k) => !HEALTHCHECK_KEYS.has(k)) }).toEqual({ name, unknown: [] });
        for (const key of ['interval', 'timeout', 'start_period', 'start_interval'])
          if (hc[key] !== undefined)
            expect({ name, key, value: hc[key], ok: DURATION.test(String(hc[key])) }).toEqual({
              name,
              key,
              value: hc[key],
              ok: true,
            });
      }
      if (isDict(svc.build))
        expect({ name, unknown: userKeys(svc.build).filter((k) => !BUILD_KEYS.has(k)) }).toEqual({ name, unknown: [] });
    }
  });

  it('sets every variable it interpolates, at least by a default (no .env file needed)', () => {
    expect([...compose.unresolved]).toEqual([]);
  });

  it('runs every Vigil container from the one image the Dockerfile builds, its command choosing the app', () => {
    const images = new Set(VIGIL_CONTAINERS.map((name) => String(services[name]?.image)));
    expect(images.size).toBe(1);
    expect([...images][0]).toMatch(/^vigil\/vigil:/);
    for (const name of VIGIL_CONTAINERS) {
      const build = dict(services[name]?.build, `${name}.build`);
      expect({ name, context: path.resolve(repoRoot, String(build.context)) }).toEqual({ name, context: repoRoot });
      expect({ name, dockerfile: build.dockerfile ?? 'Dockerfile', args: build.args }).toEqual({
        name,
        dockerfile: 'Dockerfile',
        args: undefined,
      });
    }
    expect(existsSync(path.join(repoRoot, 'Dockerfile'))).toBe(true);
    for (const app of APPS)
      expect(stringList(services[app.name]!.command, `${app.name}.command`)).toEqual([
        'node',
        `dist/apps/${app.name}/src/main.js`,
      ]);
  });

  it.each(APPS.map((a) => [a.name, a] as const))('%s has the environment distributed mode requires', (name, app) => {
    const env = containerEnv(name);
    expect(env.VIGIL_MODE).toBe('distributed');
    expect(env.LOG_LEVEL).toMatch(/^(fatal|error|warn|info|debug|trace|silent)$/);
    const config = loadConfig(CommonConfig, env);
    const amqp = url(config.AMQP_URL, `${name} AMQP_URL`);
    expect(amqp.protocol).toMatch(/^amqps?:$/);
    expect(services[amqp.hostname]).toBeDefined();
    if (app.hasDatabase) {
      const db = url(config.DATABASE_URL, `${name} DATABASE_URL`);
      expect(db.protocol).toMatch(/^postgres(ql)?:$/);
      expect(services[db.hostname]).toBeDefined();
      expect(db.pathname.length).toBeGreaterThan(1);
    }
    // Its own port (the image's default, 3000, is every app's otherwise).
    expect(env[app.portVar]).toBe(String(app.port));
  });

  it.each(APPS.map((a) => [a.name]))("%s's environment passes that service's own configuration check", (name) => {
    // The real config classes: whatever a service requires (JWT_KEYS for the gateway and the user
    // service, say) must be set, and set to something it accepts. Files are what the keys job wrote.
    const env = containerEnv(name);
    const common = loadConfig(CommonConfig, env);
    const definition = ALL_SERVICES.find((d) => d.service === name)!;
    expect(() => (definition.config ? loadServiceConfig(definition.config, common, env) : common)).not.toThrow();
  });

  it('writes no password, key or URL with credentials: each is unset unless you set it, and read from a file', () => {
    const secretName = /(PASS|PASSWORD|SECRET|TOKEN|_KEY|_KEYS|_URL)$/;
    const raw = Object.fromEntries(
      Object.entries(dict(compose.raw.services, 'services')).map(([name, svc]) => [name, dict(svc, name)]),
    );
    for (const [name, svc] of Object.entries(services)) {
      const resolved = environmentOf(svc);
      const written = environmentOf(raw[name]!);
      for (const [variable, value] of Object.entries(resolved)) {
        if (!secretName.test(variable)) continue;
        // Empty by default, and only ever "${SOMETHING:-}": your own value, if you set one.
        expect({ name, variable, value, raw: written[variable] }).toEqual({
          name,
          variable,
          value: '',
          raw: expect.stringMatching(/^\$\{[A-Z_]+:-\}$/),
        });
        // Not from a variable of the same name: an .env written for `npm start` (AMQP_URL on
        // localhost) sits where Compose reads its own.
        if (['AMQP_URL', 'DATABASE_URL'].includes(variable))
          expect({ name, variable, raw: written[variable] }).toEqual({
            name,
            variable,
            raw: expect.stringMatching(/^\$\{VIGIL_[A-Z_]+:-\}$/),
          });
      }
    }
    // No credentials anywhere else in the file either (a URL with a password, a default_pass...).
    const text = readRepoFile('docker-compose.yml');
    expect(text.match(/[a-z]+:\/\/[^\s/:@'"]+:[^\s@'"]+@/g) ?? []).toEqual([]);
    expect(text.match(/^\s*[A-Z_]*(PASS|PASSWORD|SECRET|TOKEN|KEY|KEYS):\s*['"]?[^$\s'"]/gm) ?? []).toEqual([]);
    expect(compose.raw.secrets).toBeUndefined();
  });

  it('generates the keys and the credentials in a one-shot job before anything else starts', () => {
    const keys = services.keys!;
    expect(keys.restart).toBe('no');
    expect(mountsOf('keys').every((m) => !m.readOnly)).toBe(true);
    for (const name of Object.keys(services).filter((n) => n !== 'keys'))
      expect({ name, keys: dependenciesOf(services[name]!).keys }).toEqual({
        name,
        keys: 'service_completed_successfully',
      });
    for (const app of APPS) {
      const env = environmentOf(services[app.name]!);
      expect(env.JWT_KEYS_FILE).toBe(`${KEYS_DIR}/jwt-keys`);
      expect(env.SECRETS_KEY_FILE).toBe(`${KEYS_DIR}/secrets-key`);
      expect(env.AMQP_URL_FILE).toBe(`${KEYS_DIR}/amqp-url`);
      expect(env.DATABASE_URL_FILE).toBe(`${KEYS_DIR}/database-url`);
      expect(mountsOf(app.name)).toEqual([{ volume: 'vigil-keys', target: KEYS_DIR, readOnly: true }]);
    }
    expect(readdirSync(volumeDirs.get('vigil-keys')!).sort()).toEqual([
      'amqp-url',
      'database-url',
      'jwt-keys',
      'secrets-key',
    ]);
  });

  it("keeps the database's and the broker's secrets from the services: each volume is mounted only by its readers", () => {
    const mountedBy = (volume: string) =>
      Object.keys(services)
        .filter((name) => mountsOf(name).some((m) => m.volume === volume))
        .sort();
    const volumeOf = (name: string, at: string) => mountsOf(name).find((m) => at.startsWith(`${m.target}/`))!.volume;
    const pg = environmentOf(services.postgres!);
    const superuserVolume = volumeOf('postgres', pg.POSTGRES_PASSWORD_FILE!);
    expect(mountedBy(superuserVolume)).toEqual(['keys', 'migrate', 'postgres']);
    const brokerVolume = volumeOf('rabbitmq', environmentOf(services.rabbitmq!).RABBITMQ_CONFIG_FILE!);
    expect(mountedBy(brokerVolume)).toEqual(['keys', 'rabbitmq']);
    for (const name of ['postgres', 'rabbitmq', 'migrate'])
      expect(
        mountsOf(name)
          .filter((m) => m.volume.startsWith('vigil-'))
          .every((m) => m.readOnly),
      ).toBe(true);
  });

  it('gives the services the credentials the broker and the database are created with', () => {
    // RabbitMQ: the user of the keys job's rabbitmq.conf, loaded as the main configuration file (a
    // .conf one, so the image's conf.d files still load after it).
    const rabbit = environmentOf(services.rabbitmq!);
    expect(rabbit.RABBITMQ_CONFIG_FILE).toMatch(/\.conf$/);
    expect(rabbit.RABBITMQ_CONFIG_FILES).toBeUndefined();
    // Neither the variables (a fixed value) nor their *_FILE forms (which the rabbitmq:4 image refuses).
    for (const variable of [
      'RABBITMQ_DEFAULT_USER',
      'RABBITMQ_DEFAULT_PASS',
      'RABBITMQ_DEFAULT_USER_FILE',
      'RABBITMQ_DEFAULT_PASS_FILE',
    ])
      expect({ variable, value: rabbit[variable] }).toEqual({ variable, value: undefined });
    const conf = Object.fromEntries(
      readText(fileOf('rabbitmq', rabbit.RABBITMQ_CONFIG_FILE!))
        .split('\n')
        .map((line) => /^(\w+) = '([^']*)'$/.exec(line)!.slice(1, 3)),
    );
    expect(Object.keys(conf).sort()).toEqual(['default_pass', 'default_user']);
    // PostgreSQL: the superuser's password and the runtime login's, from the files the entrypoint and
    // the init script read.
    const pg = environmentOf(services.postgres!);
    expect([pg.POSTGRES_PASSWORD, pg.VIGIL_DB_PASSWORD]).toEqual([undefined, undefined]);
    const superuserPassword = readText(fileOf('postgres', pg.POSTGRES_PASSWORD_FILE!));
    const runtimePassword = readText(fileOf('postgres', pg.VIGIL_DB_PASSWORD_FILE!));
    expect(superuserPassword).not.toBe(runtimePassword);

    for (const app of APPS) {
      const config = loadConfig(CommonConfig, containerEnv(app.name));
      const amqp = url(config.AMQP_URL, `${app.name} AMQP_URL`);
      expect({
        app: app.name,
        user: decodeURIComponent(amqp.username),
        pass: decodeURIComponent(amqp.password),
      }).toEqual({ app: app.name, user: conf.default_user, pass: conf.default_pass });
      // RabbitMQ's guest user can only connect from localhost: not from another container.
      expect(amqp.username).not.toBe('guest');
      const db = url(config.DATABASE_URL, `${app.name} DATABASE_URL`);
      // The services' own login (created by the postgres init script), never the superuser.
      expect({
        app: app.name,
        user: decodeURIComponent(db.username),
        pass: decodeURIComponent(db.password),
        db: db.pathname.slice(1),
      }).toEqual({ app: app.name, user: pg.VIGIL_DB_USER, pass: runtimePassword, db: pg.POSTGRES_DB });
      expect(db.username).not.toBe(pg.POSTGRES_USER);
    }
    // The migration job is the one that connects as the superuser: it owns the tables and creates the roles.
    const migrateDb = url(loadConfig(CommonConfig, containerEnv('migrate')).DATABASE_URL, 'migrate DATABASE_URL');
    expect(decodeURIComponent(migrateDb.username)).toBe(pg.POSTGRES_USER);
    expect(decodeURIComponent(migrateDb.password)).toBe(superuserPassword);
  });

  it("creates the services' login on the database's first start, a member of vigil_service only", async () => {
    const pg = environmentOf(services.postgres!);
    const mounts = stringList(services.postgres!.volumes, 'postgres.volumes');
    const init = mounts.find((m) => m.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    const scriptPath = init!.split(':')[0]!.replace(/^\.\//, '');
    const script = readRepoFile(scriptPath);
    expect(script).toMatch(/CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE vigil_service;/);
    // Nothing but LOGIN and the group in SQL (the comments may name what it is not).
    const sql = script
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(sql).not.toMatch(/SUPERUSER|BYPASSRLS|CREATEROLE/);
    expect(pg.VIGIL_DB_USER).toBeTruthy();

    // Run it as the image would, with the container's environment, against a psql that records
    // what it is asked: the login and the password the keys job generated.
    const bin = mkdtempSync(path.join(scratch, 'psql-'));
    writeFileSync(
      path.join(bin, 'psql'),
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${bin}/args"\ncat > "${bin}/stdin"\n`,
    );
    chmodSync(path.join(bin, 'psql'), 0o755);
    const runScript = (extra: Record<string, string>) =>
      new Promise<number>((resolve) =>
        execFile(
          'sh',
          [path.join(repoRoot, scriptPath)],
          { env: { PATH: `${bin}:/usr/bin:/bin`, ...containerEnv('postgres'), ...extra } },
          (error) => resolve(error ? Number(error.code ?? 1) : 0),
        ),
      );
    expect(await runScript({})).toBe(0);
    const args = readText(path.join(bin, 'args')).split('\n');
    expect(args).toEqual(
      expect.arrayContaining([
        '--username',
        pg.POSTGRES_USER,
        '--dbname',
        pg.POSTGRES_DB,
        `login=${pg.VIGIL_DB_USER}`,
        `password=${readText(fileOf('postgres', pg.VIGIL_DB_PASSWORD_FILE!))}`,
      ]),
    );
    expect(readText(path.join(bin, 'stdin'))).toContain('IN ROLE vigil_service;');
    // A password set in the environment wins over the file (as the image's own *_FILE variables do).
    expect(await runScript({ VIGIL_DB_PASSWORD: 'given-in-the-environment' })).toBe(0);
    expect(readText(path.join(bin, 'args')).split('\n')).toContain('password=given-in-the-environment');
    // Neither: it stops before creating anything.
    mkdirSync(path.join(bin, 'empty'));
    expect(await runScript({ VIGIL_DB_PASSWORD_FILE: path.join(bin, 'empty', 'missing') })).not.toBe(0);
  });

  it.each(APPS.map((a) => [a.name]))(
    '%s has a health check, restarts, and waits for a healthy broker and database',
    (name) => {
      expect(hasWorkingHealthcheck(name)).toBe(true);
      const test = stringList(healthcheckOf(name)!.test, `${name}.healthcheck.test`).join(' ');
      expect(test).toMatch(/\/health\/(live|ready)/);
      expect(services[name].restart).toBe('unless-stopped');
      const deps = dependenciesOf(services[name]);
      expect(deps.rabbitmq).toBe('service_healthy');
      expect(deps.postgres).toBe('service_healthy');
    },
  );

  it("runs the apps' health check with a script the image has", () => {
    const created = new Set(
      dockerfile.stages.flatMap((s) =>
        s.instructions
          .filter((i) => i.keyword === 'COPY' && i.heredocs.length > 0)
          .map((i) => i.args.split(/\s+/).pop()!),
      ),
    );
    for (const app of APPS) {
      const test = stringList(healthcheckOf(app.name)!.test, `${app.name}.healthcheck.test`);
      for (const word of test)
        if (word.startsWith('/app/'))
          expect({ app: app.name, file: word, inImage: created.has(word) }).toEqual({
            app: app.name,
            file: word,
            inImage: true,
          });
    }
  });

  it('runs RabbitMQ and PostgreSQL with health checks and data on named volumes', () => {
    expect(String(services.rabbitmq?.image)).toMatch(/^rabbitmq:4/);
    expect(String(services.postgres?.image)).toMatch(/^postgres:1[7-9]/);
    expect(stringList(healthcheckOf('rabbitmq')!.test, 'rabbitmq.healthcheck.test').join(' ')).toMatch(
      /rabbitmq-diagnostics .*(ping|check_)/,
    );
    expect(stringList(healthcheckOf('postgres')!.test, 'postgres.healthcheck.test').join(' ')).toMatch(/pg_isready/);
    expect(hasWorkingHealthcheck('rabbitmq')).toBe(true);
    expect(hasWorkingHealthcheck('postgres')).toBe(true);
    // One data volume each, beside the keys job's volume it reads its credentials from.
    expect(namedVolumesOf(services.rabbitmq!).filter((v) => !v.startsWith('vigil-'))).toEqual(['rabbitmq-data']);
    expect(namedVolumesOf(services.postgres!).filter((v) => !v.startsWith('vigil-'))).toEqual(['postgres-data']);
    expect(stringList(services.postgres.volumes, 'postgres.volumes').join(' ')).toContain(':/var/lib/postgresql/data');
    expect(stringList(services.rabbitmq.volumes, 'rabbitmq.volumes').join(' ')).toContain(':/var/lib/rabbitmq');
    // RabbitMQ stores its data under rabbit@<hostname>; a random container hostname would lose it on recreation.
    expect(services.rabbitmq.hostname).toBeDefined();
  });

  it('declares every named volume it mounts, and mounts every one it declares', () => {
    const declared = Object.keys(
      compose.resolved.volumes === undefined ? {} : dict(compose.resolved.volumes, 'volumes'),
    );
    const used = new Set(Object.values(services).flatMap(namedVolumesOf));
    expect([...used].filter((v) => !declared.includes(v))).toEqual([]);
    expect(declared.filter((v) => !used.has(v))).toEqual([]);
  });

  it('publishes only the gateway on the host, with no two services on one host port', () => {
    const published = Object.entries(services).flatMap(([name, svc]) =>
      publishedPortsOf(svc).map((p) => ({ name, ...p })),
    );
    const keys = published.map((p) => `${p.hostIp || '0.0.0.0'}:${p.hostPort}/${p.protocol}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    for (const p of published) expect(Number.isInteger(p.hostPort) && p.hostPort > 0 && p.hostPort < 65536).toBe(true);
    expect(published.filter((p) => p.name === 'gateway').map((p) => [p.hostPort, p.containerPort])).toEqual([
      [3000, 3000],
    ]);
    // Back-end services are reached over the broker; their health ports stay on the compose network.
    expect(published.filter((p) => APPS.some((a) => a.name === p.name && a.name !== 'gateway'))).toEqual([]);
    // The stock broker and database ports are taken on most developer machines (and on CI's).
    expect(published.filter((p) => [5432, 5672, 15672].includes(p.hostPort))).toEqual([]);
  });

  it('depends only on services that exist, with conditions they can meet, and without cycles', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependenciesOf(svc))) {
        expect({ name, dep, exists: dep in services, condition: CONDITIONS.has(condition) }).toEqual({
          name,
          dep,
          exists: true,
          condition: true,
        });
        if (condition === 'service_healthy')
          expect({ name, dep, healthcheck: hasWorkingHealthcheck(dep) }).toEqual({ name, dep, healthcheck: true });
        // A one-shot job that restarted after success would never count as completed.
        if (condition === 'service_completed_successfully')
          expect({ dep, restart: services[dep].restart ?? 'no' }).toEqual({ dep, restart: 'no' });
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, trail: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`depends_on cycle: ${[...trail, name].join(' -> ')}`);
      visiting.add(name);
      for (const dep of Object.keys(dependenciesOf(services[name]))) visit(dep, [...trail, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
  });

  it('migrates once, before the services with a database start', () => {
    const migrate = services.migrate;
    expect(migrate).toBeDefined();
    const command = stringList(migrate.command, 'migrate.command').join(' ');
    // The same CLI as `npm run migrate`.
    const cli = /dist\/\S+\.js/.exec(command)?.[0];
    expect(cli).toBeDefined();
    expect(rootPackage.scripts.migrate).toContain(cli);
    // Same server and database as the services, as the owner rather than the services' login.
    const [own, theirs] = [
      url(loadConfig(CommonConfig, containerEnv('migrate')).DATABASE_URL, 'migrate'),
      url(loadConfig(CommonConfig, containerEnv('user')).DATABASE_URL, 'user'),
    ];
    expect([own.host, own.pathname]).toEqual([theirs.host, theirs.pathname]);
    expect(dependenciesOf(migrate).postgres).toBe('service_healthy');
    expect(migrate.restart ?? 'no').toBe('no');
    expect(migrate.ports).toBeUndefined();
    for (const app of APPS.filter((a) => a.hasDatabase))
      expect({ app: app.name, migrate: dependenciesOf(services[app.name]).migrate }).toEqual({
        app: app.name,
        migrate: 'service_completed_successfully',
      });
  });

  it('gives the services time to finish in-flight messages when stopped', () => {
    for (const app of APPS) {
      const grace = String(services[app.name].stop_grace_period ?? '10s');
      expect({ app: app.name, grace, ok: DURATION.test(grace) }).toEqual({ app: app.name, grace, ok: true });
    }
  });
});

describe('entry points the deployment files run', () => {
  const entries = distEntryPoints();

  it('covers every app and the migrations', () => {
    for (const app of APPS) expect(entries.map((e) => e.dist)).toContain(`dist/apps/${app.name}/src/main.js`);
    expect(entries.some((e) => e.dist.includes('migrate'))).toBe(true);
  });

  // Fails until the sources exist: every dist/<x>.js run by the images is built from <x>.ts.
  it.each(distEntryPoints().map((e) => [e.dist, e.where]))('%s (%s) is built from an existing source', (dist) => {
    const source = dist.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect({ dist, source, exists: existsSync(path.join(repoRoot, source)) }).toEqual({ dist, source, exists: true });
  });
});
