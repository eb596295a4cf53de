import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommonConfig, ConfigError, envExampleProblems, loadConfig } from '@vigil/config';
import { loadNotificationConfig, NotificationConfig } from './notification.config.js';

describe('NotificationConfig', () => {
  const standalone = loadConfig(CommonConfig, {});
  const distributed = loadConfig(CommonConfig, {
    VIGIL_MODE: 'distributed',
    AMQP_URL: 'amqp://127.0.0.1:5672',
    DATABASE_URL: 'postgres://vigil@127.0.0.1:5432/vigil',
  });

  it('is listed in .env.example with its defaults', () => {
    const text = readFileSync(path.resolve(import.meta.dirname, '../../../.env.example'), 'utf8');
    expect(envExampleProblems(NotificationConfig, text)).toEqual([]);
  });

  it("posts to Slack's own API unless told otherwise, and names a bad value", () => {
    expect(loadNotificationConfig(standalone, {})).toMatchObject({
      SLACK_API_URL: 'https://slack.com/api/',
      SMTP_FROM: 'Vigil <vigil@localhost>',
      NOTIFY_PROVIDER_TIMEOUT_MS: 10_000,
    });
    expect(() => loadNotificationConfig(standalone, { SMTP_URL: 'http://mail.example.com' })).toThrow(/SMTP_URL/);
    expect(() => loadNotificationConfig(standalone, { SLACK_API_URL: 'ftp://slack' })).toThrow(/SLACK_API_URL/);
    expect(loadNotificationConfig(standalone, { SMTP_URL: 'smtps://u:p@mail.example.com:465' }).SMTP_URL).toBe(
      'smtps://u:p@mail.example.com:465',
    );
  });

  it('needs SECRETS_KEY in distributed mode, as the agent runner does', () => {
    expect(() => loadNotificationConfig(distributed, {})).toThrow(ConfigError);
    expect(() => loadNotificationConfig(distributed, {})).toThrow(
      /SECRETS_KEY.*required when VIGIL_MODE is distributed/,
    );
    const key = `k1:${randomBytes(32).toString('base64url')}`;
    expect(loadNotificationConfig(distributed, { SECRETS_KEY: key }).SECRETS_KEY).toBe(key);
  });
});
