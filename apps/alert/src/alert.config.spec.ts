import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommonConfig, ConfigError, envExampleProblems, loadConfig } from '@vigil/config';
import { AlertConfig, loadAlertConfig } from './alert.config.js';

describe('AlertConfig', () => {
  it('is listed in .env.example with its defaults', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
    expect(envExampleProblems(AlertConfig, text)).toEqual([]);
  });

  it('takes its own variables from the environment and the common ones as resolved', () => {
    const common = loadConfig(CommonConfig, { VIGIL_DATA_DIR: '/tmp/x' });
    const config = loadAlertConfig(common, { ALERT_BATCH_MAX_ALERTS: '500', VIGIL_DATA_DIR: '/elsewhere' });
    expect(config.ALERT_BATCH_MAX_ALERTS).toBe(500);
    expect(config.VIGIL_DATA_DIR).toBe('/tmp/x');
  });

  it('names a bad variable', () => {
    const common = loadConfig(CommonConfig, {});
    expect(() => loadAlertConfig(common, { ALERT_BATCH_FLUSH_MS: '0' })).toThrow(ConfigError);
    expect(() => loadAlertConfig(common, { ALERT_BATCH_FLUSH_MS: '0' })).toThrow(
      /ALERT_BATCH_FLUSH_MS must be a positive integer/,
    );
  });
});
