// package-lock.json must be what `npm ci` accepts on a fresh clone, on any platform, and what
// `npm install` leaves unchanged: in step with package.json and its workspaces, with every
// platform's optional packages. Checked here offline, so a drift fails `npm test`, not only CI.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readRepoFile, repoRoot } from './deploy-files.js';

interface Manifest {
  name: string;
  version: string;
  workspaces?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Locked extends Partial<Manifest> {
  resolved?: string;
  link?: boolean;
  optional?: boolean;
}

const rootPackage = JSON.parse(readRepoFile('package.json')) as Manifest;
const lock = JSON.parse(readRepoFile('package-lock.json')) as {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, Locked>;
};

/** Workspace directories, relative to the root, from package.json "workspaces" (`dir/*` patterns). */
function workspaces(): string[] {
  return (rootPackage.workspaces ?? []).flatMap((pattern) => {
    const dir = pattern.replace(/\/\*$/, '');
    return readdirSync(path.join(repoRoot, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(repoRoot, dir, entry.name, 'package.json')))
      .map((entry) => `${dir}/${entry.name}`);
  });
}

/** The lock entry Node would load `name` from for the package at `from` (node_modules lookup). */
function resolveFrom(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const at = base.lastIndexOf('node_modules/');
    base = at < 0 ? '' : base.slice(0, at).replace(/\/$/, '');
  }
}

describe('package-lock.json', () => {
  it('is a lockfileVersion 3 lock of this package', () => {
    expect({ name: lock.name, version: lock.version, lockfileVersion: lock.lockfileVersion }).toEqual({
      name: rootPackage.name,
      version: rootPackage.version,
      lockfileVersion: 3,
    });
  });

  it("locks exactly package.json's dependencies, workspaces and engines", () => {
    const root = lock.packages[''];
    const fields = ['workspaces', 'dependencies', 'devDependencies', 'optionalDependencies', 'engines'] as const;
    for (const field of fields) expect({ field, locked: root[field] }).toEqual({ field, locked: rootPackage[field] });
  });

  it('holds every workspace, linked under its name, and no workspace that is gone', () => {
    const dirs = workspaces();
    expect(dirs.length).toBeGreaterThan(0);
    for (const dir of dirs) {
      const manifest = JSON.parse(readRepoFile(`${dir}/package.json`)) as Manifest;
      expect({ dir, name: lock.packages[dir]?.name, version: lock.packages[dir]?.version }).toEqual({
        dir,
        name: manifest.name,
        version: manifest.version,
      });
      expect({ dir, link: lock.packages[`node_modules/${manifest.name}`] }).toEqual({
        dir,
        link: { resolved: dir, link: true },
      });
    }
    const linked = Object.values(lock.packages)
      .filter((entry) => entry.link)
      .map((entry) => entry.resolved)
      .sort();
    expect(linked).toEqual([...dirs].sort());
  });

  it("holds every platform's optional packages, not only this machine's", () => {
    const missing: string[] = [];
    for (const [at, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {}))
        if (!resolveFrom(at, name)) missing.push(`${at || '(root)'} -> ${name}`);
    }
    expect(missing).toEqual([]);
    // Ones that were missing once: native builds of swc, nx and jest's resolver for other systems.
    for (const name of [
      '@swc/core-darwin-arm64',
      '@swc/core-win32-x64-msvc',
      '@nx/nx-darwin-arm64',
      '@nx/nx-linux-x64-musl',
      '@unrs/resolver-binding-win32-x64-msvc',
    ])
      expect({ name, locked: Boolean(lock.packages[`node_modules/${name}`]) }).toEqual({ name, locked: true });
  });
});
