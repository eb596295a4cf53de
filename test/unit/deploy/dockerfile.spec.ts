// The Dockerfile, checked without a Docker engine: its stages are parsed and followed to the one
// image it builds, and the scripts it carries (health check, start command, manifest pruning) are run here.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  APPS,
  baseImageOf,
  chainInstructions,
  envAssignments,
  execForm,
  imageEnv,
  isIgnored,
  parseDockerfile,
  readRepoFile,
  repoRoot,
  stageChain,
  type Instruction,
  type Stage,
} from './deploy-files.js';

const file = parseDockerfile();
const dockerignore = readRepoFile('.dockerignore');
const rootPackage = JSON.parse(readRepoFile('package.json')) as { engines: { node: string } };

function stage(name: string): Stage {
  const found = file.stages.find((s) => s.name === name);
  if (!found) throw new Error(`Dockerfile has no stage "${name}"`);
  return found;
}

function runs(instructions: Instruction[]): string[] {
  return instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
}

/** The stages the image is made of, final stage first. */
function imageChain(): Stage[] {
  return stageChain(file, file.stages[file.stages.length - 1], {});
}

function last(instructions: Instruction[], keyword: string): Instruction | undefined {
  return instructions.filter((i) => i.keyword === keyword).pop();
}

function nodeMajor(image: string): number {
  const m = /^node:(\d+)/.exec(image);
  if (!m) throw new Error(`not a node image: ${image}`);
  return Number(m[1]);
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string; pid?: number }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { ...options, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr), pid: child.pid });
    });
  });
}

describe('Dockerfile', () => {
  it('asks for a BuildKit syntax with heredocs and cache mounts', () => {
    expect(file.syntax).toMatch(/^docker\/dockerfile:1(\.\d+)?$/);
  });

  it('builds one image for every app: no build argument chooses one, the last stage is the runtime', () => {
    expect(Object.keys(file.globalArgs)).toEqual(['NODE_IMAGE']);
    expect(file.stages[file.stages.length - 1].name).toBe('runtime');
    // No stage per app any more: the command chooses the app.
    for (const app of APPS) expect(file.stages.map((s) => s.name)).not.toContain(`app-${app.name}`);
    expect(file.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'ARG')).toEqual([]);
  });

  it('builds on a Node that satisfies package.json engines, the same image for build and runtime', () => {
    const minimum = Number(/(\d+)/.exec(rootPackage.engines.node)![1]);
    const build = baseImageOf(file, stageChain(file, stage('build'), {}));
    const runtime = baseImageOf(file, imageChain());
    expect(nodeMajor(build)).toBeGreaterThanOrEqual(minimum);
    // better-sqlite3 is compiled in one and loaded in the other: same Node ABI, same libc.
    expect(runtime).toBe(build);
    expect(runtime).not.toMatch(/alpine/);
  });

  it('installs, builds and prunes in the build stage, with the native toolchain there only', () => {
    const steps = runs(chainInstructions(stageChain(file, stage('build'), {})));
    const at = (re: RegExp) => steps.findIndex((s) => re.test(s));
    expect(at(/apt-get install[^&|;]*\bpython3\b/)).toBeGreaterThanOrEqual(0);
    expect(at(/apt-get install[^&|;]*\bg\+\+/)).toBeGreaterThanOrEqual(0);
    expect(at(/apt-get install[^&|;]*\bmake\b/)).toBeGreaterThanOrEqual(0);
    const install = at(/\bnpm ci\b/);
    const build = at(/node scripts\/build\.mjs/);
    const prune = at(/npm prune --omit=dev/);
    expect(install).toBeGreaterThanOrEqual(0);
    expect(build).toBeGreaterThanOrEqual(install);
    expect(prune).toBeGreaterThanOrEqual(build);
    // build.mjs without arguments also builds bench/, which is not in the build context.
    const targets = /node scripts\/build\.mjs([^&|;]*)/.exec(steps[build])![1].trim().split(/\s+/).filter(Boolean);
    if (targets.length) expect(targets).toEqual(expect.arrayContaining(['apps', 'libs']));
  });

  it("installs with npm ci alone, under the project's .npmrc, from the complete lock file", () => {
    const chain = chainInstructions(stageChain(file, stage('build'), {}));
    const installs = runs(chain)
      .filter((r) => /\bnpm (ci|install|i)\b/.test(r))
      .map((r) => r.replace(/\s+/g, ' '));
    expect(installs).toEqual(['--mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund']);
    const copied = chain.findIndex((i) => i.keyword === 'COPY' && /(^|\s)\.npmrc\s/.test(i.args));
    expect(copied).toBeGreaterThanOrEqual(0);
    expect(copied).toBeLessThan(chain.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)));
  });

  it('is runtime only, non-root, NODE_ENV=production, every app on port 3000, with a health check', () => {
    const chain = imageChain();
    const instructions = chainInstructions(chain);
    // No compiler, no sources: the runtime chain never starts from the build stage...
    expect(chain.map((s) => s.name)).not.toContain('build');
    expect(runs(instructions).filter((r) => /apt-get install|npm (ci|install)/.test(r))).toEqual([]);
    // ...and takes from it only what runs: dist/, production node_modules/, package.json, an
    // app's default configuration file (the agent runner's agents.yaml) and the notification templates.
    for (const copy of instructions.filter((i) => i.keyword === 'COPY' && /--from=/.test(i.args))) {
      const sources = copy.args
        .split(/\s+/)
        .filter((w) => !w.startsWith('--'))
        .slice(0, -1);
      for (const source of sources)
        expect(source).toMatch(
          /^\/app\/(dist|node_modules|package\.json|apps\/[a-z-]+\/[a-z-]+\.yaml|apps\/notification\/templates)\/?$/,
        );
    }
    const user = last(instructions, 'USER')?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const env = imageEnv(chain);
    expect(env.NODE_ENV).toBe('production');
    // The gateway listens on PORT, every other app on HEALTH_PORT: the same port whichever runs.
    expect([env.PORT, env.HEALTH_PORT]).toEqual(['3000', '3000']);
    expect(env.VIGIL_APP).toBeUndefined();
    expect(instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/))).toEqual(['3000']);
    const healthcheck = last(instructions, 'HEALTHCHECK')!;
    expect(healthcheck).toBeDefined();
    const probe = execForm(healthcheck.args.slice(healthcheck.args.indexOf('CMD')))!;
    expect(probe[0]).toBe('node'); // no curl or wget in the slim image
    expect(probe.join(' ')).toContain('/health/live');
    expect(last(instructions, 'WORKDIR')?.args).toBe('/app');
  });

  it('runs the gateway by default, as node itself (exec form), so node receives the stop signal', async () => {
    const cmd = execForm(last(chainInstructions(imageChain()), 'CMD')!.args)!;
    expect(cmd).toEqual(['node', 'dist/apps/gateway/src/main.js']);
    // No ENTRYPOINT of ours: the Node image's own runs the command with exec.
    expect(chainInstructions(imageChain()).filter((i) => i.keyword === 'ENTRYPOINT')).toEqual([]);
    // Run it for real, from WORKDIR, against a stand-in main.js that reports what it was started as.
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-cmd-'));
    try {
      mkdirSync(path.join(dir, 'dist/apps/gateway/src'), { recursive: true });
      writeFileSync(
        path.join(dir, 'dist/apps/gateway/src/main.js'),
        'console.log(JSON.stringify({ pid: process.pid, main: process.argv[1] }));\n',
      );
      const result = await run(process.execPath, cmd.slice(1), { cwd: dir });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const started = JSON.parse(result.stdout) as { pid: number; main: string };
      expect(started.main).toBe(path.join(dir, 'dist/apps/gateway/src/main.js'));
      expect(started.pid).toBe(result.pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps only package.json files in the manifests stage, so npm ci is cached until they change', async () => {
    const command = runs(stage('manifests').instructions).join(' && ');
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-manifests-'));
    try {
      for (const f of [
        'apps/user/package.json',
        'apps/user/src/main.ts',
        'apps/user/tsconfig.json',
        'libs/runtime/package.json',
        'libs/runtime/src/index.ts',
        'apps/alert/src/main.ts',
      ]) {
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), '{}');
      }
      const result = await run('sh', ['-c', command], { cwd: dir });
      expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
      const left = ['apps', 'libs'].flatMap((top) =>
        readdirSync(path.join(dir, top), { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => path.relative(dir, path.join(e.parentPath, e.name))),
      );
      expect(left.sort()).toEqual(['apps/user/package.json', 'libs/runtime/package.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies from the build context only files that exist and .dockerignore lets through', () => {
    const contextCopies = file.stages
      .flatMap((s) => s.instructions)
      .filter(
        (i) => (i.keyword === 'COPY' || i.keyword === 'ADD') && !/--from=/.test(i.args) && i.heredocs.length === 0,
      );
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      const sources = copy.args
        .split(/\s+/)
        .filter((w) => !w.startsWith('--'))
        .slice(0, -1);
      for (const source of sources) {
        // `.npmr[c]`-style patterns copy a file only if it is there; the plain name must not be ignored.
        const optional = /[*?[]/.test(source);
        const rel = source.replace(/\/+$/, '').replace(/\[(.)\]/g, '$1');
        expect({
          source,
          exists: optional || existsSync(path.join(repoRoot, rel)),
          ignored: isIgnored(rel, dockerignore),
        }).toEqual({ source, exists: true, ignored: false });
      }
      // A COPY whose every source is optional would fail the build when none exists.
      expect({ line: copy.line, required: sources.some((s) => !/[*?[]/.test(s)) }).toEqual({
        line: copy.line,
        required: true,
      });
    }
    // What the build needs inside those directories.
    for (const rel of [
      'scripts/build.mjs',
      'scripts/swc-options.mjs',
      'libs/contracts/package.json',
      'libs/contracts/src/index.ts',
      'apps/gateway/src/main.ts',
    ])
      expect({ rel, ignored: isIgnored(rel, dockerignore) }).toEqual({ rel, ignored: false });
  });

  it('.dockerignore keeps local state out of the build context', () => {
    for (const rel of [
      'node_modules',
      'node_modules/yaml/package.json',
      'libs/runtime/node_modules/x',
      'dist',
      'dist/apps/gateway/src/main.js',
      'data',
      'data/user.sqlite',
      '.git',
      '.git/HEAD',
      'coverage',
      '.env',
    ]) {
      expect({ rel, ignored: isIgnored(rel, dockerignore) }).toEqual({ rel, ignored: true });
    }
  });
});

describe('the image health check script', () => {
  const script = file.stages
    .flatMap((s) => s.instructions)
    .find((i) => i.keyword === 'COPY' && i.heredocs.length > 0 && i.args.endsWith('/app/healthcheck.mjs'))
    ?.heredocs[0].body;
  let dir: string;
  let server: Server;
  let port: number;
  const seen: string[] = [];
  let status = 200;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-healthcheck-'));
    writeFileSync(path.join(dir, 'healthcheck.mjs'), script ?? '');
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const probe = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    run(process.execPath, [path.join(dir, 'healthcheck.mjs'), ...args], { env });

  /** A port nothing listens on (taken, then released). */
  async function freePort(): Promise<number> {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    return free;
  }

  it('exists in the Dockerfile', () => {
    expect(script).toBeDefined();
    // The heredoc is quoted, so BuildKit leaves the script's ${...} alone.
    const copy = file.stages.flatMap((s) => s.instructions).find((i) => i.args.endsWith('/app/healthcheck.mjs'))!;
    expect(copy.args).toMatch(/<<-?(['"])[A-Za-z_]+\1/);
    expect(envAssignments({ keyword: 'ENV', args: 'A=1 B="two words"', line: 0, heredocs: [] })).toEqual({
      A: '1',
      B: 'two words',
    });
  });

  it('passes on 2xx from HEALTH_PORT, at /health/live by default', async () => {
    status = 200;
    seen.length = 0;
    expect((await probe({ HEALTH_PORT: String(port) })).code).toBe(0);
    expect(seen).toEqual(['/health/live']);
  });

  it('asks the path it is given, on PORT when nothing listens on HEALTH_PORT (the gateway)', async () => {
    status = 200;
    seen.length = 0;
    const free = await freePort();
    expect((await probe({ HEALTH_PORT: String(free), PORT: String(port) }, '/health/ready')).code).toBe(0);
    expect((await probe({ PORT: String(port) }, '/health/ready')).code).toBe(0);
    expect(seen).toEqual(['/health/ready', '/health/ready']);
  });

  it('fails on an error status from the first port that answers, whatever the other would say', async () => {
    status = 503;
    seen.length = 0;
    const other = createServer((_req, res) => res.writeHead(200).end('{}'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const otherPort = (other.address() as AddressInfo).port;
      expect((await probe({ HEALTH_PORT: String(port), PORT: String(otherPort) }, '/health/ready')).code).toBe(1);
      expect(seen).toEqual(['/health/ready']);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('fails when nothing listens on either port', async () => {
    const [a, b] = [await freePort(), await freePort()];
    expect((await probe({ HEALTH_PORT: String(a), PORT: String(b) })).code).toBe(1);
  });
});
