// docker-compose.yml for the distributed mode (README, "Running modes"), checked without a Docker engine:
// parsed with its anchors and merge keys, interpolated with its own defaults, then checked for
// what `docker compose up` needs to bring all six services up healthy.
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  APPS,
  dependenciesOf,
  dict,
  environmentOf,
  execForm,
  imageEnv,
  isDict,
  loadCompose,
  namedVolumesOf,
  parseDockerfile,
  publishedPortsOf,
  readRepoFile,
  repoRoot,
  stageChain,
  stringList,
  substitute,
  type Dict,
} from './deploy-files.js';

import { CommonConfig, loadConfig, loadServiceConfig } from '@vigil/config';
import { writeSharedKeys } from '../../../apps/standalone/src/keys/shared-keys.js';
import { ALL_SERVICES } from '../../../apps/standalone/src/services.js';

const compose = loadCompose();
/** Where the keys job writes the shared keys and the services read them (the vigil-keys volume). */
const KEYS_DIR = '/run/vigil-keys';
const scratchKeys = mkdtempSync(path.join(tmpdir(), 'vigil-compose-keys-'));
writeSharedKeys(scratchKeys);
const { services } = compose;
const dockerfile = parseDockerfile();
const rootPackage = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };

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
  for (const app of APPS) {
    const stage = dockerfile.stages.find((s) => s.name === `app-${app.name}`);
    if (!stage) continue;
    const chain = stageChain(dockerfile, stage, { APP: app.name });
    const cmd = [...chain]
      .reverse()
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'CMD')
      .pop();
    if (!cmd) continue;
    for (const m of substitute((execForm(cmd.args) ?? [cmd.args]).join(' '), imageEnv(chain)).matchAll(
      /dist\/[\w./-]+\.js/g,
    ))
      out.push({ where: `Dockerfile CMD (APP=${app.name})`, dist: m[0] });
  }
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

  it.each(APPS.map((a) => [a.name, a] as const))(
    '%s is built from the one Dockerfile with APP set to its name',
    (name) => {
      const build = dict(services[name]?.build, `${name}.build`);
      expect(path.resolve(repoRoot, String(build.context))).toBe(repoRoot);
      expect(build.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
      expect(existsSync(path.join(repoRoot, String(build.dockerfile ?? 'Dockerfile')))).toBe(true);
      expect(dict(build.args, `${name}.build.args`).APP).toBe(name);
      // The Dockerfile has a final stage for it (an unknown APP fails the build).
      expect(dockerfile.stages.map((s) => s.name)).toContain(`app-${name}`);
    },
  );

  it.each(APPS.map((a) => [a.name, a] as const))('%s has the environment distributed mode requires', (name, app) => {
    const env = environmentOf(services[name]);
    expect(env.VIGIL_MODE).toBe('distributed');
    expect(env.LOG_LEVEL).toMatch(/^(fatal|error|warn|info|debug|trace|silent)$/);
    const amqp = url(env.AMQP_URL, `${name} AMQP_URL`);
    expect(amqp.protocol).toMatch(/^amqps?:$/);
    expect(services[amqp.hostname]).toBeDefined();
    if (app.hasDatabase) {
      const db = url(env.DATABASE_URL, `${name} DATABASE_URL`);
      expect(db.protocol).toMatch(/^postgres(ql)?:$/);
      expect(services[db.hostname]).toBeDefined();
      expect(db.pathname.length).toBeGreaterThan(1);
    }
    expect(env[app.portVar]).toBe(String(app.port));
    // The same port the image declares (EXPOSE, and the env its health check reads).
    const stage = dockerfile.stages.find((s) => s.name === `app-${name}`)!;
    expect(imageEnv(stageChain(dockerfile, stage, { APP: name }))[app.portVar]).toBe(String(app.port));
  });

  it.each(APPS.map((a) => [a.name]))("%s's environment passes that service's own configuration check", (name) => {
    // The real config classes: whatever a service requires (JWT_KEYS for the gateway and the user
    // service, say) must be set, and set to something it accepts. Key files are what the keys job
    // writes (its own code, run here into a scratch directory standing for the volume).
    const env = Object.fromEntries(
      Object.entries(environmentOf(services[name])).map(([k, v]) => [
        k,
        k.endsWith('_FILE') && String(v).startsWith(`${KEYS_DIR}/`)
          ? path.join(scratchKeys, path.relative(KEYS_DIR, String(v)))
          : String(v),
      ]),
    );
    const common = loadConfig(CommonConfig, env);
    const definition = ALL_SERVICES.find((d) => d.service === name)!;
    expect(() => (definition.config ? loadServiceConfig(definition.config, common, env) : common)).not.toThrow();
  });

  it('ships no fixed secret: the keys come from files the keys job generates before any service starts', () => {
    const keys = services.keys!;
    expect(stringList(keys.command, 'keys.command')).toEqual([
      'node',
      'dist/apps/standalone/src/cli/init-keys.js',
      KEYS_DIR,
    ]);
    expect(keys.volumes).toEqual([`vigil-keys:${KEYS_DIR}`]);
    for (const app of APPS) {
      const env = environmentOf(services[app.name]);
      expect([app.name, env.JWT_KEYS, env.SECRETS_KEY]).toEqual([app.name, '', '']);
      expect(env.JWT_KEYS_FILE).toBe(`${KEYS_DIR}/jwt-keys`);
      expect(env.SECRETS_KEY_FILE).toBe(`${KEYS_DIR}/secrets-key`);
      expect(services[app.name]!.volumes).toContain(`vigil-keys:${KEYS_DIR}:ro`);
      expect(dependenciesOf(services[app.name])['keys']).toBe('service_completed_successfully');
    }
    expect(readdirSync(scratchKeys).sort()).toEqual(['jwt-keys', 'secrets-key']);
  });

  it('gives the services the credentials the broker and the database are created with', () => {
    const rabbit = environmentOf(services.rabbitmq);
    const pg = environmentOf(services.postgres);
    for (const app of APPS) {
      const env = environmentOf(services[app.name]);
      const amqp = url(env.AMQP_URL, `${app.name} AMQP_URL`);
      expect({
        app: app.name,
        user: decodeURIComponent(amqp.username),
        pass: decodeURIComponent(amqp.password),
      }).toEqual({ app: app.name, user: rabbit.RABBITMQ_DEFAULT_USER, pass: rabbit.RABBITMQ_DEFAULT_PASS });
      // RabbitMQ's guest user can only connect from localhost: not from another container.
      expect(amqp.username).not.toBe('guest');
      if (!env.DATABASE_URL) continue;
      const db = url(env.DATABASE_URL, `${app.name} DATABASE_URL`);
      // The services' own login (created by the postgres init script), never the superuser.
      expect({
        app: app.name,
        user: decodeURIComponent(db.username),
        pass: decodeURIComponent(db.password),
        db: db.pathname.slice(1),
      }).toEqual({
        app: app.name,
        user: pg.VIGIL_DB_USER,
        pass: pg.VIGIL_DB_PASSWORD,
        db: pg.POSTGRES_DB ?? pg.POSTGRES_USER ?? 'postgres',
      });
      expect(db.username).not.toBe(pg.POSTGRES_USER ?? 'postgres');
    }
  });

  it("creates the services' login on the database's first start, a member of vigil_service only", () => {
    const pg = environmentOf(services.postgres);
    const mounts = stringList(services.postgres.volumes, 'postgres.volumes');
    const init = mounts.find((m) => m.includes('/docker-entrypoint-initdb.d/'));
    expect(init).toBeDefined();
    const script = readRepoFile(init!.split(':')[0]!.replace(/^\.\//, ''));
    expect(script).toContain('VIGIL_DB_USER');
    expect(script).toContain('VIGIL_DB_PASSWORD');
    expect(script).toMatch(/CREATE ROLE :"login" LOGIN PASSWORD :'password' IN ROLE vigil_service;/);
    // Nothing but LOGIN and the group in SQL (the comments may name what it is not).
    const sql = script
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(sql).not.toMatch(/SUPERUSER|BYPASSRLS|CREATEROLE/);
    expect(pg.VIGIL_DB_USER).toBeTruthy();
    // The migration job is the one that connects as the superuser: it owns the tables and creates the roles.
    const migrateDb = url(environmentOf(services.migrate).DATABASE_URL, 'migrate DATABASE_URL');
    expect(decodeURIComponent(migrateDb.username)).toBe(pg.POSTGRES_USER ?? 'postgres');
    expect(decodeURIComponent(migrateDb.password)).toBe(pg.POSTGRES_PASSWORD);
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
    expect(namedVolumesOf(services.rabbitmq)).toHaveLength(1);
    expect(namedVolumesOf(services.postgres)).toHaveLength(1);
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
    const env = environmentOf(migrate);
    // Same server and database as the services, as the owner rather than the services' login.
    const [own, theirs] = [url(env.DATABASE_URL, 'migrate'), url(environmentOf(services.user).DATABASE_URL, 'user')];
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
