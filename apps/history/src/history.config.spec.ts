import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommonConfig, ConfigError, envExampleProblems, loadConfig } from '@vigil/config';
import { HistoryConfig, loadHistoryConfig } from './history.config.js';

describe('HistoryConfig', () => {
  const common = loadConfig(CommonConfig, {});

  it('is listed in .env.example with its defaults', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
    expect(envExampleProblems(HistoryConfig, text)).toEqual([]);
  });

  it('keeps investigations 90 days unless told otherwise, and names a bad value', () => {
    expect(loadHistoryConfig(common, {}).HISTORY_RETENTION_DAYS).toBe(90);
    expect(loadHistoryConfig(common, { HISTORY_RETENTION_DAYS: '7' }).HISTORY_RETENTION_DAYS).toBe(7);
    expect(() => loadHistoryConfig(common, { HISTORY_RETENTION_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadHistoryConfig(common, { HISTORY_RETENTION_DAYS: '0' })).toThrow(/HISTORY_RETENTION_DAYS/);
  });
});
