#!/usr/bin/env node
// Compiles apps/, libs/ and bench/ TypeScript to ESM JavaScript under dist/ with SWC.
// Usage: node scripts/build.mjs [project-dir ...]   (default: everything)
// Incremental: a file is recompiled only when its source is newer than its output.
import { transformFile } from '@swc/core';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { root, swcOptions } from './swc-options.mjs';

const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['apps', 'libs', 'bench'];
const outDir = path.join(root, 'dist');
const options = swcOptions({ rewritePaths: true });

async function* sources(dir) {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      yield* sources(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts')) {
      yield full;
    }
  }
}

async function mtime(file) {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

const started = Date.now();
let compiled = 0;
const jobs = [];
for (const target of targets) {
  for await (const file of sources(path.resolve(root, target))) {
    const rel = path.relative(root, file);
    if (rel.split(path.sep).includes('test')) continue;
    const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
    jobs.push(
      (async () => {
        if ((await mtime(out)) >= (await mtime(file))) return;
        const result = await transformFile(file, {
          ...options,
          filename: file,
          sourceFileName: path.relative(path.dirname(out), file),
        });
        await fs.mkdir(path.dirname(out), { recursive: true });
        await fs.writeFile(out, `${result.code}\n//# sourceMappingURL=${path.basename(out)}.map\n`);
        if (result.map) await fs.writeFile(`${out}.map`, result.map);
        compiled++;
      })(),
    );
  }
}
await Promise.all(jobs);
if (compiled > 0) console.error(`built ${compiled} file(s) into dist/ in ${Date.now() - started} ms`);
