import { jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IsInt, Min, MinLength } from 'class-validator';
import {
  CommonConfig,
  ConfigError,
  DEFAULT_PORTS,
  Env,
  envExampleProblems,
  envVarsOf,
  loadConfig,
  loadConfigOrExit,
} from './index.js';

const ENV_EXAMPLE = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
const DISTRIBUTED = {
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/vigil',
};

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(CommonConfig, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

class ServiceConfig extends CommonConfig {
  @Env('a service-only knob')
  @IsInt({ message: 'must be an integer' })
  @Min(2, { message: 'must be at least 2' })
  WORKERS = 4;
}

describe('CommonConfig', () => {
  it('applies every default on an empty environment (standalone)', () => {
    const config = loadConfig(CommonConfig, {});
    expect({ ...config }).toEqual({
      VIGIL_MODE: 'standalone',
      VIGIL_DATA_DIR: './data',
      LOG_LEVEL: 'info',
      PORT: 3000,
      SHUTDOWN_TIMEOUT_MS: 10000,
      RPC_TIMEOUT_MS: 5000,
      BUS_PREFETCH: 50,
      BUS_MAX_ATTEMPTS: 5,
      BUS_NAMESPACE: 'vigil',
      DB_POOL_SIZE: 10,
      DB_STATEMENT_TIMEOUT_MS: 30000,
      OUTBOX_SWEEP_MS: 2000,
      INBOX_RETENTION_DAYS: 7,
    });
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.HEALTH_PORT).toBeUndefined();
  });

  it('returns a frozen, typed instance', () => {
    const config = loadConfig(CommonConfig, { PORT: '8080', LOG_LEVEL: 'debug' });
    expect(config).toBeInstanceOf(CommonConfig);
    expect(config.PORT).toBe(8080);
    expect(config.LOG_LEVEL).toBe('debug');
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('ignores variables it does not declare and treats empty values as unset', () => {
    const config = loadConfig(CommonConfig, { PATH: '/bin', PORT: '', LOG_LEVEL: '  ' });
    expect(config.PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
    expect(Object.keys(config)).not.toContain('PATH');
  });

  it('is distributed when both AMQP_URL and DATABASE_URL are set', () => {
    expect(loadConfig(CommonConfig, DISTRIBUTED).VIGIL_MODE).toBe('distributed');
    expect(loadConfig(CommonConfig, { ...DISTRIBUTED, AMQP_URL: 'amqps://u:p@mq.example.com/vhost' }).VIGIL_MODE).toBe(
      'distributed',
    );
    expect(
      loadConfig(CommonConfig, { ...DISTRIBUTED, DATABASE_URL: 'postgresql://db.internal/vigil' }).VIGIL_MODE,
    ).toBe('distributed');
  });

  it('keeps standalone with only DATABASE_URL (PostgreSQL storage, embedded broker)', () => {
    const config = loadConfig(CommonConfig, { DATABASE_URL: DISTRIBUTED.DATABASE_URL });
    expect(config.VIGIL_MODE).toBe('standalone');
    expect(config.DATABASE_URL).toBe(DISTRIBUTED.DATABASE_URL);
  });

  it('gives each service its default health port unless HEALTH_PORT is set', () => {
    const config = loadConfig(CommonConfig, {});
    expect(config.healthPortOf('user')).toBe(3001);
    expect(config.healthPortOf('notification')).toBe(3005);
    expect(DEFAULT_PORTS).toEqual({
      gateway: 3000,
      user: 3001,
      alert: 3002,
      'agent-runner': 3003,
      history: 3004,
      notification: 3005,
    });
    expect(loadConfig(CommonConfig, { HEALTH_PORT: '9100' }).healthPortOf('user')).toBe(9100);
    expect(loadConfig(CommonConfig, { HEALTH_PORT: '0' }).healthPortOf('user')).toBe(0); // any free port
  });

  it.each([
    [
      { AMQP_URL: 'http://x', DATABASE_URL: DISTRIBUTED.DATABASE_URL },
      'Invalid configuration: AMQP_URL must be an amqp:// or amqps:// URL (got "http://x")',
    ],
    [
      { ...DISTRIBUTED, DATABASE_URL: 'mysql://db/vigil' },
      'Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://db/vigil")',
    ],
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be an integer between 0 and 65535 (got "abc")'],
    [{ PORT: '30.5' }, 'Invalid configuration: PORT must be an integer between 0 and 65535 (got "30.5")'],
    [{ PORT: '1e3' }, 'Invalid configuration: PORT must be an integer between 0 and 65535 (got "1e3")'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be an integer between 0 and 65535 (got "70000")'],
    [{ HEALTH_PORT: '-1' }, 'Invalid configuration: HEALTH_PORT must be an integer between 0 and 65535 (got "-1")'],
    [
      { LOG_LEVEL: 'verbose' },
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "verbose")',
    ],
    [
      { VIGIL_MODE: 'cluster' },
      'Invalid configuration: VIGIL_MODE must be one of standalone, distributed (got "cluster")',
    ],
    [
      { SHUTDOWN_TIMEOUT_MS: '-1' },
      'Invalid configuration: SHUTDOWN_TIMEOUT_MS must be a non-negative integer (milliseconds) (got "-1")',
    ],
    [
      { RPC_TIMEOUT_MS: 'soon' },
      'Invalid configuration: RPC_TIMEOUT_MS must be a positive integer (milliseconds) (got "soon")',
    ],
    [{ BUS_PREFETCH: '0' }, 'Invalid configuration: BUS_PREFETCH must be an integer between 1 and 65535 (got "0")'],
    [
      { BUS_NAMESPACE: 'Vigil Prod' },
      'Invalid configuration: BUS_NAMESPACE must be 1-64 lowercase letters, digits, dashes or underscores (got "Vigil Prod")',
    ],
    [{ BUS_MAX_ATTEMPTS: 'five' }, 'Invalid configuration: BUS_MAX_ATTEMPTS must be a positive integer (got "five")'],
    [{ DB_POOL_SIZE: '0' }, 'Invalid configuration: DB_POOL_SIZE must be an integer between 1 and 1000 (got "0")'],
  ])('rejects %j with one line naming the variable', (env, message) => {
    const error = errorOf(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
    expect(error.variables).toEqual([message.split(' ')[2]]);
  });

  it('requires both URLs when VIGIL_MODE is distributed', () => {
    expect(errorOf({ VIGIL_MODE: 'distributed', AMQP_URL: DISTRIBUTED.AMQP_URL }).message).toBe(
      'Invalid configuration: DATABASE_URL is required when VIGIL_MODE is distributed (not set)',
    );
    expect(errorOf({ VIGIL_MODE: 'distributed', DATABASE_URL: DISTRIBUTED.DATABASE_URL }).message).toBe(
      'Invalid configuration: AMQP_URL is required when VIGIL_MODE is distributed (not set)',
    );
  });

  it('rejects AMQP_URL in standalone mode, explicit or derived, instead of ignoring it', () => {
    expect(errorOf({ VIGIL_MODE: 'standalone', ...DISTRIBUTED }).message).toMatch(
      /^Invalid configuration: AMQP_URL must not be set in standalone mode, .* \(got "amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672"\)$/,
    );
    expect(errorOf({ AMQP_URL: DISTRIBUTED.AMQP_URL }).variables).toEqual(['AMQP_URL']);
  });

  it('never prints a password found in a URL', () => {
    const error = errorOf({ AMQP_URL: DISTRIBUTED.AMQP_URL, DATABASE_URL: 'mysql://vigil:s3cret@db/vigil' });
    expect(error.message).toBe(
      'Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://vigil:***@db/vigil")',
    );
  });

  it('names every bad variable on the same line', () => {
    const error = errorOf({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(error.variables).toEqual(['LOG_LEVEL', 'PORT']);
    expect(error.message.split('; ')).toHaveLength(2);
    expect(error.message).not.toContain('\n');
  });

  it('lets a service config extend CommonConfig with its own validated variables', () => {
    const config = loadConfig(ServiceConfig, { WORKERS: '8', PORT: '4000' });
    expect(config.WORKERS).toBe(8);
    expect(config.PORT).toBe(4000);
    expect(envVarsOf(ServiceConfig).map((v) => v.name)).toEqual([
      ...envVarsOf(CommonConfig).map((v) => v.name),
      'WORKERS',
    ]);
    expect(() => loadConfig(ServiceConfig, { WORKERS: '1' })).toThrow(
      'Invalid configuration: WORKERS must be at least 2 (got "1")',
    );
  });
});

describe('a secret variable', () => {
  class SecretConfig extends CommonConfig {
    @Env('a key', { secret: true })
    @MinLength(32, { message: 'must be at least 32 characters' })
    SIGNING_KEY = 'x'.repeat(32);
  }

  it('is named in errors with its length, never its value', () => {
    const error = (() => {
      try {
        loadConfig(SecretConfig, { SIGNING_KEY: 'hunter2-almost-right' });
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'Invalid configuration: SIGNING_KEY must be at least 32 characters (got 20 characters, not shown)',
    );
    expect(error.message).not.toContain('hunter2');
  });

  describe('from a file (<NAME>_FILE)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-config-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      const at = path.join(dir, name);
      writeFileSync(at, text);
      return at;
    };

    it('reads the value from the file, trimmed, when the variable is unset or empty', () => {
      const key = `${'k'.repeat(40)}`;
      expect(loadConfig(SecretConfig, { SIGNING_KEY_FILE: file('a', `${key}\n`) }).SIGNING_KEY).toBe(key);
      expect(loadConfig(SecretConfig, { SIGNING_KEY: '', SIGNING_KEY_FILE: file('b', key) }).SIGNING_KEY).toBe(key);
    });

    it('lets the variable win over the file', () => {
      const config = loadConfig(SecretConfig, {
        SIGNING_KEY: 'v'.repeat(32),
        SIGNING_KEY_FILE: file('c', 'f'.repeat(32)),
      });
      expect(config.SIGNING_KEY).toBe('v'.repeat(32));
    });

    it('validates what the file holds like the variable, without showing it', () => {
      expect(() => loadConfig(SecretConfig, { SIGNING_KEY_FILE: file('d', 'short-secret') })).toThrow(
        'Invalid configuration: SIGNING_KEY must be at least 32 characters (got 12 characters, not shown)',
      );
    });

    it('names the variable and the path of a file it cannot read', () => {
      const missing = path.join(dir, 'missing');
      let error: unknown;
      try {
        loadConfig(SecretConfig, { SIGNING_KEY_FILE: missing });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variables).toEqual(['SIGNING_KEY']);
      expect((error as ConfigError).message).toBe(
        `Invalid configuration: SIGNING_KEY_FILE cannot be read (ENOENT: ${missing})`,
      );
    });

    it('is not read for a variable that is not a secret', () => {
      expect(loadConfig(CommonConfig, { LOG_LEVEL_FILE: file('e', 'debug') }).LOG_LEVEL).toBe('info');
    });
  });
});

describe('AMQP_URL and DATABASE_URL from files (AMQP_URL_FILE, DATABASE_URL_FILE)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-config-urls-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it('reads both URLs from their files, trimmed, and so runs distributed', () => {
    const config = loadConfig(CommonConfig, {
      AMQP_URL_FILE: file('amqp', `${DISTRIBUTED.AMQP_URL}\n`),
      DATABASE_URL: '',
      DATABASE_URL_FILE: file('db', `${DISTRIBUTED.DATABASE_URL}\n`),
    });
    expect([config.AMQP_URL, config.DATABASE_URL, config.VIGIL_MODE]).toEqual([
      DISTRIBUTED.AMQP_URL,
      DISTRIBUTED.DATABASE_URL,
      'distributed',
    ]);
  });

  it('lets a URL set in the environment win over its file', () => {
    const config = loadConfig(CommonConfig, {
      ...DISTRIBUTED,
      AMQP_URL_FILE: file('amqp-other', 'amqp://other:secret@elsewhere:5672'),
      DATABASE_URL_FILE: file('db-other', 'postgres://other:secret@elsewhere:5432/other'),
    });
    expect([config.AMQP_URL, config.DATABASE_URL]).toEqual([DISTRIBUTED.AMQP_URL, DISTRIBUTED.DATABASE_URL]);
  });

  it('validates what the file holds, showing the URL with its password masked', () => {
    expect(() =>
      loadConfig(CommonConfig, {
        VIGIL_MODE: 'distributed',
        AMQP_URL_FILE: file('amqp-http', 'http://vigil:hunter2@rabbitmq:5672'),
        DATABASE_URL: DISTRIBUTED.DATABASE_URL,
      }),
    ).toThrow(
      'Invalid configuration: AMQP_URL must be an amqp:// or amqps:// URL (got "http://vigil:***@rabbitmq:5672")',
    );
  });

  it('names the variable and the path of a file it cannot read', () => {
    const missing = path.join(dir, 'missing-url');
    let error: unknown;
    try {
      loadConfig(CommonConfig, { AMQP_URL: DISTRIBUTED.AMQP_URL, DATABASE_URL_FILE: missing });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['DATABASE_URL']);
    expect((error as ConfigError).message).toBe(
      `Invalid configuration: DATABASE_URL_FILE cannot be read (ENOENT: ${missing})`,
    );
  });

  it('is declared for those two variables and the secrets only', () => {
    expect(
      envVarsOf(CommonConfig)
        .filter((v) => v.fromFile)
        .map((v) => v.name),
    ).toEqual(['AMQP_URL', 'DATABASE_URL']);
  });
});

describe('loadConfigOrExit', () => {
  afterEach(() => jest.restoreAllMocks());

  it('prints the one-line error to stderr and exits 1', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    expect(() => loadConfigOrExit(CommonConfig, { LOG_LEVEL: 'nope' })).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(write).toHaveBeenCalledWith(
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace (got "nope")\n',
    );
  });

  it('returns the config when it is valid', () => {
    expect(loadConfigOrExit(CommonConfig, { PORT: '3100' }).PORT).toBe(3100);
  });
});

describe('.env.example', () => {
  it('lists every variable of CommonConfig with its default and a comment', () => {
    expect(envExampleProblems(CommonConfig, ENV_EXAMPLE)).toEqual([]);
    expect(envVarsOf(CommonConfig).map((v) => `${v.name}:${v.kind}`)).toEqual([
      'VIGIL_MODE:string',
      'AMQP_URL:string',
      'DATABASE_URL:string',
      'VIGIL_DATA_DIR:string',
      'LOG_LEVEL:string',
      'PORT:integer',
      'HEALTH_PORT:integer',
      'SHUTDOWN_TIMEOUT_MS:integer',
      'RPC_TIMEOUT_MS:integer',
      'BUS_PREFETCH:integer',
      'BUS_MAX_ATTEMPTS:integer',
      'BUS_NAMESPACE:string',
      'DB_POOL_SIZE:integer',
      'DB_STATEMENT_TIMEOUT_MS:integer',
      'OUTBOX_SWEEP_MS:integer',
      'INBOX_RETENTION_DAYS:integer',
    ]);
  });

  it('notices drift: a missing variable, a changed default, an uncommented variable without default', () => {
    expect(envExampleProblems(ServiceConfig, ENV_EXAMPLE)).toEqual(['WORKERS is not listed']);
    const drifted = ENV_EXAMPLE.replace('PORT=3000', 'PORT=8080').replace('# AMQP_URL=', 'AMQP_URL=');
    expect(envExampleProblems(CommonConfig, drifted)).toEqual([
      'AMQP_URL has no default, so its line must be commented out',
      'PORT must read "PORT=3000" (its default), not "PORT=8080"',
    ]);
  });
});
