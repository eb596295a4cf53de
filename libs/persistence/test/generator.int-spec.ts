import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MigrationClass } from '../src/index.js';
import { diffAgainstMigrations, generateMigrations, openDataSource, schemaDiff } from '../src/index.js';
import { persistence as fixture } from './fixtures/widget-persistence.js';
import { DIALECT, scratchDatabase, tablesOf, type ScratchDatabase } from '@vigil/testing';

describe(`migration generator (${DIALECT})`, () => {
  let env: ScratchDatabase;
  let rootDir: string;

  beforeAll(async () => {
    env = await scratchDatabase();
    rootDir = mkdtempSync(path.join(tmpdir(), 'vigil-generated-'));
  });
  afterAll(async () => {
    rmSync(rootDir, { recursive: true, force: true });
    await env.cleanup();
  });

  it('generates a migration that, once applied, leaves no difference (and nothing for the shared tables)', async () => {
    const shared = await generateMigrations({
      target: 'shared',
      name: 'Nothing',
      dialects: [DIALECT],
      databaseUrl: env.config.DATABASE_URL,
      rootDir,
      catalog: [],
    });
    expect(shared).toEqual([{ dialect: DIALECT, diff: { up: [], down: [] } }]);

    const [generated] = await generateMigrations({
      target: 'alert',
      name: 'CreateWidgets',
      dialects: [DIALECT],
      databaseUrl: env.config.DATABASE_URL,
      rootDir,
      timestamp: 1_900_000_000_000,
      catalog: [fixture],
    });
    expect(generated!.file).toBe(
      path.join(rootDir, 'apps', 'alert', 'src', 'migrations', DIALECT, '1900000000000-CreateWidgets.ts'),
    );
    expect(generated!.className).toBe('CreateWidgets1900000000000');
    const source = readFileSync(generated!.file!, 'utf8');
    expect(source).toContain('CREATE TABLE "widget"');
    expect(source).not.toMatch(/vigil_(scratch|t)/); // no scratch schema leaks into committed SQL

    const module = (await import(pathToFileURL(generated!.file!).href)) as Record<string, MigrationClass>;
    const migration = module[generated!.className!]!;
    const withMigration = { ...fixture, migrations: { postgres: [], sqlite: [], [DIALECT]: [migration] } };

    const dataSource = await openDataSource({ ...withMigration, ...env.isolated('generated'), logging: false });
    try {
      expect(await tablesOf(dataSource)).toEqual(expect.arrayContaining(['inbox', 'migrations', 'widget']));
      expect((await schemaDiff(dataSource)).up).toEqual([]);
      await dataSource.undoLastMigration();
      expect(await tablesOf(dataSource)).not.toContain('widget');
    } finally {
      await dataSource.destroy();
    }
    expect((await diffAgainstMigrations(withMigration, DIALECT, env.config.DATABASE_URL)).up).toEqual([]);
  });

  it('refuses a name that would not make a valid class', async () => {
    await expect(
      generateMigrations({
        target: 'alert',
        name: 'create widgets',
        dialects: [DIALECT],
        databaseUrl: env.config.DATABASE_URL,
        rootDir,
        catalog: [fixture],
      }),
    ).rejects.toThrow(/PascalCase/);
  });
});
