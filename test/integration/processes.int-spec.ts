// The built entry points as an operator runs them: start-up, the address printed, configuration
// errors, and a clean exit on SIGTERM. (scripts/test.mjs builds dist/ before the integration runs.)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensurePostgresDatabase } from '@vigil/persistence';
import { AMQP_URL, DATABASE_URL, TEST_MODE, waitFor } from '@vigil/testing';

const root = path.resolve(import.meta.dirname, '../..');

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function run(app: string, env: Record<string, string | undefined>): Started {
  const entry = path.join(root, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build first (node scripts/build.mjs)`);
  const clean = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([, v]) => v !== undefined),
  ) as Record<string, string>;
  const child = spawn(process.execPath, [entry], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += String(d)));
  child.stderr!.on('data', (d) => (text += String(d)));
  return { child, output: () => text, exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** The first match of `pattern` in the process's output; fails at once if the process exits. */
function outputMatching(started: Started, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  return waitFor(
    () => {
      if (started.child.exitCode !== null)
        throw new Error(`exited with ${started.child.exitCode}:\n${started.output()}`);
      return pattern.exec(started.output());
    },
    { what: `${pattern} in the output`, timeoutMs, intervalMs: 25 },
  );
}

describe(`processes (${TEST_MODE})`, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-proc-'));
    if (TEST_MODE === 'distributed') await ensurePostgresDatabase(DATABASE_URL);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops at start-up with one line naming a malformed variable', async () => {
    const started = run('user', { AMQP_URL: 'http://broker:5672', DATABASE_URL, VIGIL_DATA_DIR: dataDir });
    expect(await started.exit).toBe(1);
    const lines = started.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid configuration: AMQP_URL must be an amqp:\/\/ or amqps:\/\/ URL/);
  });

  it("stops with one line naming a malformed variable of a service's own configuration", async () => {
    const started = run('standalone', {
      VIGIL_DATA_DIR: dataDir,
      AMQP_URL: undefined,
      DATABASE_URL: undefined,
      VIGIL_MODE: undefined,
      JWT_ACCESS_TTL_SECONDS: 'soon',
    });
    expect(await started.exit).toBe(1);
    expect(started.output().trim().split('\n')).toEqual([
      expect.stringMatching(/^Invalid configuration: JWT_ACCESS_TTL_SECONDS must be /),
    ]);
  });

  it('refuses to run one service on its own without a broker and database to share', async () => {
    const started = run('alert', {
      AMQP_URL: undefined,
      DATABASE_URL: undefined,
      VIGIL_MODE: undefined,
      VIGIL_DATA_DIR: dataDir,
    });
    expect(await started.exit).toBe(1);
    expect(started.output()).toMatch(/AMQP_URL and DATABASE_URL must be set to run the alert service on its own/);
  });

  if (TEST_MODE === 'embedded') {
    it('starts all six services with `npm start`, prints the address, and exits cleanly on SIGTERM', async () => {
      const started = run('standalone', {
        PORT: '0',
        VIGIL_DATA_DIR: dataDir,
        AMQP_URL: undefined,
        DATABASE_URL: undefined,
        VIGIL_MODE: undefined,
      });
      const [, url] = await outputMatching(started, /Vigil is ready at (http:\/\/localhost:\d+)/);
      const status = (await (await fetch(`${url.replace('localhost', '127.0.0.1')}/api/v1/system/status`)).json()) as {
        services: { status: string }[];
      };
      expect(status.services.map((s) => s.status)).toEqual(Array(6).fill('ok'));
      started.child.kill('SIGTERM');
      expect(await started.exit).toBe(0);
      expect(started.output()).toContain('shut down cleanly');
      for (const service of ['user', 'alert', 'agent-runner', 'history', 'notification'])
        expect(existsSync(path.join(dataDir, `${service}.sqlite`))).toBe(true);
    }, 30_000);

    it('answers 202 only for alerts it has stored: SIGKILLed during a burst, every one is there after a restart', async () => {
      // The embedded broker lives in memory: a 202 given when the message was only queued would be
      // lost with the process. Standalone answers once the alert service has stored it.
      const admin = { email: 'burst-admin@vigil.test', password: 'granite heron violet 42' };
      const env = {
        PORT: '0',
        VIGIL_DATA_DIR: path.join(dataDir, 'burst'),
        AMQP_URL: undefined,
        DATABASE_URL: undefined,
        VIGIL_MODE: undefined,
        VIGIL_ADMIN_EMAIL: admin.email,
        VIGIL_ADMIN_PASSWORD: admin.password,
        RATE_LIMIT_PER_KEY_PER_MIN: '1000000',
        RATE_LIMIT_PER_TENANT_PER_MIN: '1000000',
      };
      const start = async () => {
        const started = run('standalone', env);
        const [, url] = await outputMatching(started, /Vigil is ready at (http:\/\/localhost:\d+)/, 30_000);
        const base = url.replace('localhost', '127.0.0.1');
        const login = await fetch(`${base}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(admin),
        });
        const { access_token: token } = (await login.json()) as { access_token: string };
        return { started, base, auth: { authorization: `Bearer ${token}` } };
      };

      const first = await start();
      const accepted: string[] = [];
      let sent = 0;
      let killed = false;
      const sender = async () => {
        while (!killed) {
          const n = sent++;
          try {
            const res = await fetch(`${first.base}/api/v1/alerts`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...first.auth },
              body: JSON.stringify([
                { alert_type: 'Burst', runbook: 'none', severity: 'low', labels: { burst: String(n) } },
              ]),
            });
            if (res.status === 202) accepted.push(...((await res.json()) as { ids: string[] }).ids);
            else await res.body?.cancel();
          } catch {
            return; // the process is gone: this request got no answer
          }
        }
      };
      const senders = Array.from({ length: 16 }, sender);
      // Killed after 300 answers, with 16 requests in flight.
      await waitFor(() => accepted.length >= 300, { what: '300 alerts answered 202', timeoutMs: 60_000 });
      first.started.child.kill('SIGKILL');
      killed = true;
      await first.started.exit;
      await Promise.all(senders);
      const answered = [...accepted];

      const second = await start();
      try {
        const missing: string[] = [];
        for (const id of answered) {
          const res = await fetch(`${second.base}/api/v1/alerts/${id}`, { headers: second.auth });
          if (res.status !== 200) missing.push(`${id}: ${res.status}`);
          await res.body?.cancel();
        }
        expect({ answered: answered.length, missing }).toEqual({ answered: answered.length, missing: [] });
      } finally {
        second.started.child.kill('SIGTERM');
        await second.started.exit;
      }
    }, 120_000);
  } else {
    it('runs one service per process over RabbitMQ and PostgreSQL, serving its health on its own port, and exits cleanly on SIGTERM', async () => {
      const started = run('history', {
        AMQP_URL,
        DATABASE_URL,
        HEALTH_PORT: '0',
        VIGIL_DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
      });
      const [, url] = await outputMatching(started, /"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('service="history"');
      started.child.kill('SIGTERM');
      expect(await started.exit).toBe(0);
      expect(started.output()).toContain('shut down cleanly');
    }, 30_000);
  }
});
