import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommonConfig, ConfigError, envExampleProblems, loadConfig } from '@vigil/config';
import { loadUserConfig, UserConfig } from './user.config.js';
import { slugify } from './tenants/slug.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY = 'k1:' + 'x'.repeat(43);

describe('UserConfig', () => {
  it('is listed in .env.example with its defaults and comments', () => {
    expect(envExampleProblems(UserConfig, readFileSync(path.join(root, '.env.example'), 'utf8'))).toEqual([]);
  });

  it('has working defaults in standalone mode (no JWT_KEYS: the file key)', () => {
    const config = loadConfig(UserConfig, {});
    expect(config).toMatchObject({
      VIGIL_MODE: 'standalone',
      JWT_ACCESS_TTL_SECONDS: 900,
      REFRESH_TTL_DAYS: 14,
      VIGIL_DEFAULT_TENANT: 'default',
      VIGIL_PLATFORM_ADMIN: true,
      LOGIN_MAX_FAILURES: 5,
    });
    expect(config.JWT_KEYS).toBeUndefined();
  });

  it('requires JWT_KEYS in distributed mode, naming it', () => {
    const distributed = { AMQP_URL: 'amqp://localhost', DATABASE_URL: 'postgres://localhost/vigil' };
    expect(() => loadConfig(UserConfig, distributed)).toThrow(ConfigError);
    expect(() => loadConfig(UserConfig, distributed)).toThrow(/JWT_KEYS is required when VIGIL_MODE is distributed/);
    expect(loadConfig(UserConfig, { ...distributed, JWT_KEYS: KEY }).JWT_KEYS).toBe(KEY);
  });

  it('names a bad variable and says why', () => {
    expect(() => loadConfig(UserConfig, { JWT_KEYS: 'k1:short' })).toThrow(
      /JWT_KEYS is invalid: JWT_KEYS key "k1" is shorter than 32 bytes/,
    );
    expect(() => loadConfig(UserConfig, { VIGIL_ADMIN_EMAIL: 'nope' })).toThrow(
      /VIGIL_ADMIN_EMAIL must be an email address/,
    );
    expect(() => loadConfig(UserConfig, { VIGIL_DEFAULT_TENANT: 'Not A Slug' })).toThrow(
      /VIGIL_DEFAULT_TENANT must be lowercase/,
    );
    expect(() => loadConfig(UserConfig, { VIGIL_PLATFORM_ADMIN: 'yes' })).toThrow(
      /VIGIL_PLATFORM_ADMIN must be true or false/,
    );
    expect(() => loadConfig(UserConfig, { LOGIN_MAX_FAILURES: '0' })).toThrow(
      /LOGIN_MAX_FAILURES must be a positive integer/,
    );
  });

  it('takes the common variables as the runtime resolved them, its own from the environment', () => {
    const common = loadConfig(CommonConfig, { VIGIL_DATA_DIR: '/tmp/vigil-x' });
    const config = loadUserConfig(common, {
      VIGIL_DATA_DIR: '/elsewhere',
      REFRESH_TTL_DAYS: '3',
      AMQP_URL: 'amqp://ignored',
    });
    expect(config.VIGIL_DATA_DIR).toBe('/tmp/vigil-x');
    expect(config.VIGIL_MODE).toBe('standalone');
    expect(config.REFRESH_TTL_DAYS).toBe(3);
  });
});

describe('slugify', () => {
  it('makes URL-safe tenant slugs', () => {
    expect(slugify('ACME Corp.')).toBe('acme-corp');
    expect(slugify('  Café Ünïon -- Nord ')).toBe('cafe-union-nord');
    expect(slugify('!!!')).toBe('');
    expect(slugify('x'.repeat(80))).toHaveLength(64);
  });
});
