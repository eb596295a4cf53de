import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_PERSISTENCE } from '../../apps/standalone/src/persistence.js';
import { ALL_SERVICES } from '../../apps/standalone/src/services.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APPS_DIR = path.join(ROOT, 'apps');
const APP_PACKAGES = readdirSync(APPS_DIR).map(
  (app) => (JSON.parse(readFileSync(path.join(APPS_DIR, app, 'package.json'), 'utf8')) as { name: string }).name,
);

function sourcesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * Every module specifier of a file (static imports, re-exports, import() of a literal) and every
 * string literal that climbs into the apps directory (a path built to load an app at run time).
 */
function specifiersOf(source: string): string[] {
  const imports = source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm);
  const paths = source.matchAll(/['"`]((?:\.\.\/)+apps(?:\/[^'"`]*)?)['"`]/g);
  return [...imports, ...paths].map((match) => match[1]!);
}

describe('composition', () => {
  it('hands the migration tools the persistence of exactly the services that have one', () => {
    const declared = ALL_SERVICES.flatMap((definition) => (definition.persistence ? [definition.persistence] : []));
    expect(declared).toHaveLength(5);
    expect(new Set(ALL_PERSISTENCE)).toEqual(new Set(declared));
    expect(ALL_PERSISTENCE).toHaveLength(declared.length);
  });

  it('lets no library, nor its tests, import an app (libs/testing, which starts them, excepted)', () => {
    const offenders: string[] = [];
    for (const lib of readdirSync(path.join(ROOT, 'libs'))) {
      if (lib === 'testing') continue;
      const files = ['src', 'test'].flatMap((dir) => sourcesUnder(path.join(ROOT, 'libs', lib, dir)));
      for (const file of files) {
        for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
          const resolved = specifier.startsWith('.') ? path.resolve(path.dirname(file), specifier) : specifier;
          const intoApps =
            resolved === APPS_DIR ||
            resolved.startsWith(APPS_DIR + path.sep) ||
            APP_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
          if (intoApps) offenders.push(`${path.relative(ROOT, file)} → ${specifier}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
