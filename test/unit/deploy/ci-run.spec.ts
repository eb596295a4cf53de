// .ci/run: CI's entry point. The script is sourced (which defines its functions without running
// anything) and its pieces are run against stand-in `node` and `npm` commands.
import { execFile, type ChildProcess } from 'node:child_process';
import { jest } from '@jest/globals';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readRepoFile, repoRoot } from './deploy-files.js';

const script = path.join(repoRoot, '.ci/run');
const text = readRepoFile('.ci/run');

/** The scripts under way: each is killed before its stand-ins go (see afterEach). */
const running = new Set<ChildProcess>();

// Longer than bash()'s own limit: a test must never end (and its stand-ins be removed) while its script runs.
jest.setTimeout(40_000);

function bash(code: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'bash',
      ['-c', `source ${JSON.stringify(script)}\n${code}`],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 20_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        running.delete(child);
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code: status, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    running.add(child);
  });
}

let bin: string;

/** Puts an executable stand-in named `name` in `bin`. */
function fake(name: string, body: string): void {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

beforeEach(() => {
  bin = mkdtempSync(path.join(tmpdir(), 'vigil-ci-run-'));
});

afterEach(async () => {
  // A script still running after its stand-ins were removed would find the real npm and run `npm ci`
  // in the repository: it is stopped first.
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  running.clear();
  rmSync(bin, { recursive: true, force: true });
});

describe('.ci/run', () => {
  it('is an executable bash script that stops on the first error', async () => {
    expect(statSync(script).mode & 0o111).not.toBe(0);
    expect(text.split('\n')[0]).toMatch(/^#!.*\bbash\b/);
    expect(text).toMatch(/^set -euo pipefail$/m);
    const check = await new Promise<number>((resolve) =>
      execFile('bash', ['-n', script], (error) => resolve(error ? 1 : 0)),
    );
    expect(check).toBe(0);
  });

  it('does nothing but define functions when sourced', async () => {
    const result = await bash(
      'type main ensure_node install_dependencies run_lint ensure_postgres ensure_rabbitmq run_tests >/dev/null && echo defined',
    );
    expect(result).toEqual({ code: 0, stdout: 'defined\n', stderr: '' });
  });

  it('ensures Node, installs, lints, starts the services, then tests, in that order', () => {
    const main = /^main\(\) \{\n([\s\S]*?)^\}/m.exec(text)![1];
    const order = [
      'ensure_node',
      'install_dependencies',
      'run_lint',
      'ensure_postgres',
      'ensure_rabbitmq',
      'run_tests',
    ].map((step) => main.indexOf(step));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('wants the Node version package.json "engines" asks for', async () => {
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${/^MIN_NODE=(\S+)$/m.exec(text)![1]}`);
    const verdicts: Record<string, string> = {};
    for (const version of ['v20.20.2', 'v22.11.0', 'v22.12.0', 'v24.21.0', 'v30.1.0', 'garbage']) {
      fake('node', `echo ${version}`);
      verdicts[version] = (
        await bash('node_is_recent && echo recent || echo old', { PATH: `${bin}:${process.env.PATH}` })
      ).stdout.trim();
    }
    expect(verdicts).toEqual({
      'v20.20.2': 'old',
      'v22.11.0': 'old',
      'v22.12.0': 'recent',
      'v24.21.0': 'recent',
      'v30.1.0': 'recent',
      garbage: 'old',
    });
    fake('node', 'exit 127');
    expect(
      (await bash('node_is_recent && echo recent || echo old', { PATH: `${bin}:${process.env.PATH}` })).stdout.trim(),
    ).toBe('old');
  });

  it('installs Node 24 from the npm registry into the cache, outside the clone, when node is too old', async () => {
    // A stand-in npm that "installs" a node 24 the way the registry's `node` package lays it out.
    const home = path.join(bin, 'node-home');
    fake('node', 'echo v20.20.2');
    fake(
      'npm',
      [
        'echo "npm $*" >> "$CALLS"',
        'case "$1" in install)',
        `  mkdir -p "${home}/node_modules/node/bin" && printf '#!/bin/sh\\necho v24.21.0\\n' > "${home}/node_modules/node/bin/node" && chmod +x "${home}/node_modules/node/bin/node";;`,
        '-v) echo 11.0.0;;',
        'esac',
      ].join('\n'),
    );
    const calls = path.join(bin, 'calls');
    const result = await bash('ensure_node && node -v && command -v node', {
      PATH: `${bin}:${process.env.PATH}`,
      VIGIL_NODE_HOME: home,
      CALLS: calls,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`v24.21.0\n${home}/node_modules/node/bin/node\n`);
    expect(readFileSync(calls, 'utf8')).toMatch(
      new RegExp(`^npm install .*--prefix ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} node@24$`, 'm'),
    );
    // Second run: the cached node is reused, nothing is installed again.
    rmSync(calls);
    const again = await bash('ensure_node && node -v', {
      PATH: `${bin}:${process.env.PATH}`,
      VIGIL_NODE_HOME: home,
      CALLS: calls,
    });
    expect(again.code).toBe(0);
    expect(readFileSync(calls, 'utf8')).not.toMatch(/npm install/);
  });

  it('points native builds at the headers of the node that will load them', async () => {
    const found = await bash('node_headers_dir', { PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` });
    // Not every Node install ships its headers; when one is found it must be this node's.
    if (found.code === 0) {
      const header = readFileSync(path.join(found.stdout.trim(), 'include/node/node_version.h'), 'utf8');
      const version = ['MAJOR', 'MINOR', 'PATCH']
        .map((part) => new RegExp(`#define NODE_${part}_VERSION (\\d+)`).exec(header)![1])
        .join('.');
      expect(version).toBe(process.versions.node);
    }
  });

  it('installs with npm ci alone: a lock file npm ci refuses fails the run', async () => {
    const calls = path.join(bin, 'calls');
    const npm = (ci: string) =>
      fake('npm', ['echo "npm $*" >> "$CALLS"', 'case "$1" in', `ci) ${ci};;`, 'install) exit 0;;', 'esac'].join('\n'));
    npm('exit 0');
    expect((await bash('install_dependencies', { PATH: `${bin}:${process.env.PATH}`, CALLS: calls })).code).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('npm ci --no-audit --no-fund\n');
    rmSync(calls);
    npm(
      "echo 'npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.' >&2; exit 1",
    );
    expect((await bash('install_dependencies', { PATH: `${bin}:${process.env.PATH}`, CALLS: calls })).code).toBe(1);
    expect(readFileSync(calls, 'utf8')).toBe('npm ci --no-audit --no-fund\n');
    // The only other npm install is the one that fetches Node 24.
    expect(text.match(/\bnpm (install|i)\b.*/g)).toEqual([
      'npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error --prefix "$NODE_HOME" node@24 </dev/null',
    ]);
  });

  describe('main', () => {
    // main with the machine-facing steps stubbed and a stand-in npm: ci and test succeed, lint
    // exits with $LINT.
    async function main(lint: number) {
      const calls = path.join(bin, 'calls');
      fake(
        'npm',
        [
          'echo "npm $*" >> "$CALLS"',
          'case "$1" in',
          'run) exit "$LINT";;',
          "test) echo 'Tests:       3 passed, 3 total';;",
          'esac',
        ].join('\n'),
      );
      const result = await bash('ensure_node() { :; }; ensure_postgres() { :; }; ensure_rabbitmq() { :; }; main', {
        PATH: `${bin}:${process.env.PATH}`,
        CALLS: calls,
        LINT: String(lint),
      });
      return { ...result, calls: readFileSync(calls, 'utf8') };
    }

    it('runs npm ci, npm run lint and npm test, and passes when all three do', async () => {
      const result = await main(0);
      expect(result.calls).toBe('npm ci --no-audit --no-fund\nnpm run lint\nnpm test\n');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('\ntests: 3 passed, 0 failed\n');
      expect(result.stdout).toMatch(/^ +\d+\.\ds {2}npm run lint$/m);
    });

    it("still runs the tests when lint fails, then fails with lint's exit status", async () => {
      const result = await main(2);
      expect(result.calls).toBe('npm ci --no-audit --no-fund\nnpm run lint\nnpm test\n');
      expect(result.code).toBe(2);
      expect(result.stdout).toContain('\ntests: 3 passed, 0 failed\n');
      expect(result.stdout).toMatch(/^ +\d+\.\ds {2}npm run lint {2}\(failed: exit 2\)$/m);
      expect(result.stdout).toContain('npm run lint failed (exit 2, above)');
    });
  });

  it('gives up waiting for a service after the time it is given', async () => {
    const started = Date.now();
    const result = await bash('wait_for Nothing 1 false');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Nothing did not answer within 1s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("adds Jest's summaries up into one plain 'N passed, N failed' line", async () => {
    const log = path.join(bin, 'log');
    writeFileSync(
      log,
      [
        '=== unit ===',
        'Tests:       30 passed, 30 total',
        '=== integration (embedded broker + SQLite) ===',
        'Tests:       1 failed, 2 skipped, 10 passed, 13 total',
        '=== integration (RabbitMQ + PostgreSQL) ===',
        '\u001b[1mTests:\u001b[22m       \u001b[32m12 passed\u001b[39m, 1 todo, 13 total',
      ].join('\n'),
    );
    const result = await bash(`summarize_tests ${JSON.stringify(log)}`);
    expect(result.stdout.trim()).toBe('tests: 52 passed, 1 failed, 3 skipped');
    writeFileSync(log, 'no jest here\n');
    expect((await bash(`summarize_tests ${JSON.stringify(log)}`)).stdout).toBe('');
  });
});
