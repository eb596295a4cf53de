import { parseAllowedCidrs } from '@vigil/netguard';
import { channelSettingsProblem, mergeSecrets, targetOf, webhookUrlProblem } from './channel-input.js';

const rules = { slackApiUrl: 'http://127.0.0.1:4010/api/', allowedCidrs: parseAllowedCidrs('127.0.0.1/32') };
const fieldOf = (...args: Parameters<typeof channelSettingsProblem>) => channelSettingsProblem(...args)?.field ?? null;

describe('channel settings', () => {
  it('accepts each type with what it needs', () => {
    expect(
      fieldOf('slack', { config: { channelId: 'C0123ABCD' }, secrets: { botToken: 'xoxb-1-2-abc' } }, rules),
    ).toBeNull();
    expect(
      fieldOf(
        'slack-webhook',
        { config: {}, secrets: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' } },
        rules,
      ),
    ).toBeNull();
    expect(
      fieldOf(
        'email',
        {
          config: { to: ['oncall@example.com'], from: 'Vigil <vigil@example.com>' },
          secrets: { smtpUrl: 'smtps://u:p@mail.example.com:465' },
        },
        rules,
      ),
    ).toBeNull();
  });

  it('names the field that is missing, unknown or malformed', () => {
    expect(fieldOf('slack', { config: {}, secrets: { botToken: 'x' } }, rules)).toBe('config.channelId');
    expect(fieldOf('slack', { config: { channelId: 'C1' }, secrets: {} }, rules)).toBe('secrets.botToken');
    expect(fieldOf('slack', { config: { channelId: 'C1', colour: 'red' }, secrets: { botToken: 'x' } }, rules)).toBe(
      'config.colour',
    );
    expect(fieldOf('slack', { config: { channelId: 'C1' }, secrets: { botToken: 'has space' } }, rules)).toBe(
      'secrets.botToken',
    );
    expect(fieldOf('email', { config: { to: ['a@example.com', 'nope'] }, secrets: {} }, rules)).toBe('config.to.1');
    expect(fieldOf('email', { config: { to: [] }, secrets: {} }, rules)).toBe('config.to');
    expect(fieldOf('email', { config: { to: ['a@example.com'], from: 'x' }, secrets: {} }, rules)).toBe('config.from');
    expect(fieldOf('email', { config: { to: ['a@example.com'] }, secrets: { smtpUrl: 'http://mail' } }, rules)).toBe(
      'secrets.smtpUrl',
    );
    expect(fieldOf('slack-webhook', { config: {}, secrets: {} }, rules)).toBe('secrets.webhookUrl');
  });

  it("takes webhooks over https to public hosts (private ones in NOTIFY_ALLOWED_CIDRS), http only on the Slack API's origin", () => {
    const problem = (url: string) => webhookUrlProblem(url, rules)?.problem ?? null;
    expect(problem('http://hooks.slack.com/services/x')).toBe('secrets.webhookUrl: must be https, not http');
    expect(problem('https://127.0.0.2/hook')).toMatch(/local or private address; add it to NOTIFY_ALLOWED_CIDRS/);
    expect(problem('https://127.0.0.1/hook')).toBeNull();
    expect(problem('https://10.1.2.3/hook')).toMatch(/local or private address/);
    expect(problem('https://localhost/hook')).toMatch(/local or private address/);
    expect(problem('https://user:pw@hooks.slack.com/x')).toMatch(/user name or password/);
    expect(problem('not a url')).toMatch(/absolute https URL/);
    expect(problem('http://127.0.0.1:4010/hooks/T1')).toBeNull();
    expect(problem('http://127.0.0.1:4011/hooks/T1')).toBe('secrets.webhookUrl: must be https, not http');
  });

  it('merges secrets (null removes one) and builds the providers target', () => {
    expect(mergeSecrets({ smtpUrl: 'smtp://a' }, { smtpUrl: null })).toEqual({});
    expect(mergeSecrets({ botToken: 'old' }, { botToken: 'new' })).toEqual({ botToken: 'new' });
    expect(targetOf('email', { config: { to: ['a@example.com'] }, secrets: {} })).toEqual({
      kind: 'email',
      to: ['a@example.com'],
    });
    expect(targetOf('slack', { config: { channelId: 'C1' }, secrets: { botToken: 't' } })).toEqual({
      kind: 'slack',
      botToken: 't',
      channelId: 'C1',
    });
  });
});
