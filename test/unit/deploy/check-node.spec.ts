// scripts/check-node.cjs, run first by every npm script: run here under a faked Node version (a
// preloaded file that rewrites process.version), and once through npm itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Linter } from 'eslint';
import { readRepoFile, repoRoot } from './deploy-files.js';

const CHECK = 'node scripts/check-node.cjs && ';
const script = path.join(repoRoot, 'scripts/check-node.cjs');
const rootPackage = JSON.parse(readRepoFile('package.json')) as {
  engines: { node: string };
  scripts: Record<string, string>;
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

let dir: string;
let preload: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-check-node-'));
  preload = path.join(dir, 'fake-node-version.cjs');
  writeFileSync(
    preload,
    [
      'const node = process.env.FAKE_NODE_VERSION;',
      "Object.defineProperty(process, 'version', { value: 'v' + node });",
      "Object.defineProperty(process, 'versions', { value: { ...process.versions, node } });",
    ].join('\n'),
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function checkUnder(version: string): Promise<Run> {
  return run(process.execPath, ['--require', preload, script], { FAKE_NODE_VERSION: version });
}

describe('scripts/check-node.cjs', () => {
  it('asks for the Node version of package.json "engines", preferring the one in .nvmrc', () => {
    expect(rootPackage.engines.node).toBe('>=22.12');
    expect(readRepoFile('.nvmrc').trim()).toBe('24');
  });

  it.each(['18.20.4', '20.20.2', '22.11.0', '22.9.9'])(
    'stops Node %s with exit 1 and says which Node is needed and how to get it',
    async (version) => {
      const result = await checkUnder(version);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.split('\n');
      expect(lines).toContain(
        `Vigil needs Node.js 22.12 or newer (24 preferred, see .nvmrc); this is Node.js v${version} (${process.execPath}).`,
      );
      expect(lines).toContain('  with nvm:     nvm install && nvm use        (reads .nvmrc)');
      expect(lines).toContain('  without nvm:  npm install --prefix ~/.cache/vigil-node24 node@24');
      expect(lines).toContain('                export PATH="$HOME/.cache/vigil-node24/node_modules/node/bin:$PATH"');
    },
  );

  it.each(['22.12.0', '22.13.1', '23.0.0', '24.21.0', '30.1.0'])('lets Node %s through silently', async (version) => {
    expect(await checkUnder(version)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('is plain ES5 CommonJS, so that an old Node prints the message rather than a syntax error', () => {
    const source = readRepoFile('scripts/check-node.cjs');
    const fatal = new Linter()
      .verify(source, { languageOptions: { ecmaVersion: 5, sourceType: 'script' } })
      .filter((message) => message.fatal);
    expect(fatal).toEqual([]);
  });

  it('runs first in every npm script', () => {
    const unchecked = Object.entries(rootPackage.scripts).filter(([, command]) => !command.startsWith(CHECK));
    expect(unchecked).toEqual([]);
  });

  it('stops an npm script before anything else in it runs', async () => {
    // `typecheck` would run tsc (and exit 0) were the check not first.
    const result = await run('npm', ['run', '--silent', 'typecheck'], {
      NODE_OPTIONS: `--require ${preload}`,
      FAKE_NODE_VERSION: '20.20.2',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Vigil needs Node.js 22.12 or newer (24 preferred, see .nvmrc); this is Node.js v20.20.2',
    );
  });

  it('makes npm refuse to install under an unsupported Node (engine-strict)', () => {
    const settings = readRepoFile('.npmrc')
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'));
    expect(settings).toEqual(['engine-strict=true']);
  });
});
