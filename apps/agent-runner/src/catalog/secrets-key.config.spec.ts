import { randomBytes } from 'node:crypto';
import { CommonConfig, ConfigError, loadConfig } from '@vigil/config';
import { loadAgentRunnerConfig } from '../agent-runner.config.js';

describe('SECRETS_KEY', () => {
  const standalone = loadConfig(CommonConfig, {});
  const distributed = loadConfig(CommonConfig, {
    VIGIL_MODE: 'distributed',
    AMQP_URL: 'amqp://127.0.0.1:5672',
    DATABASE_URL: 'postgres://vigil@127.0.0.1:5432/vigil',
  });
  const key = `k1:${randomBytes(32).toString('base64url')}`;

  it('is optional in standalone mode (a key file is generated) and required in distributed mode', () => {
    expect(loadAgentRunnerConfig(standalone, {}).SECRETS_KEY).toBeUndefined();
    expect(() => loadAgentRunnerConfig(distributed, {})).toThrow(ConfigError);
    expect(() => loadAgentRunnerConfig(distributed, {})).toThrow(
      /SECRETS_KEY.*required when VIGIL_MODE is distributed/,
    );
    expect(loadAgentRunnerConfig(distributed, { SECRETS_KEY: key }).SECRETS_KEY).toBe(key);
  });

  it('names the bad key', () => {
    const short = randomBytes(16).toString('base64url');
    let message = '';
    try {
      loadAgentRunnerConfig(standalone, { SECRETS_KEY: `${key},old:${short}` });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SECRETS_KEY.*key "old" must be 32 bytes, not 16/);
  });
});
