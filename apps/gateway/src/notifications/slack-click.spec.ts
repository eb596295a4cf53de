import { slackClickOf } from './slack-click.js';

const ALERT = '0193c2a4-7b1e-7c3d-8e4f-123456789abc';

function body(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

const click = {
  type: 'block_actions',
  user: { id: 'U123', username: 'ana' },
  container: { type: 'message', channel_id: 'C0ALERTS', message_ts: '1700000000.000100' },
  actions: [{ action_id: 'vigil_acknowledge', value: ALERT, type: 'button' }],
};

describe('Slack button clicks', () => {
  it('reads the action, the alert, the message and who clicked', () => {
    expect(slackClickOf(body(click))).toEqual({
      action: 'acknowledge',
      alertId: ALERT,
      channel: 'C0ALERTS',
      messageTs: '1700000000.000100',
      userId: 'U123',
      userEmail: null,
    });
    const silence = {
      ...click,
      actions: [{ action_id: 'vigil_silence_1h', value: ALERT }],
      user: { id: 'U1', email: 'ana@example.com' },
    };
    expect(slackClickOf(body(silence))).toMatchObject({ action: 'silence', userEmail: 'ana@example.com' });
  });

  it('says why it does not act on anything else', () => {
    expect(slackClickOf('x=1')).toEqual({ problem: 'the body has no payload field' });
    expect(slackClickOf('payload=%7Bnot')).toEqual({ problem: 'the payload is not JSON' });
    expect(slackClickOf(body({ ...click, type: 'view_submission' }))).toEqual({
      problem: 'Vigil does not handle view_submission interactions',
    });
    expect(slackClickOf(body({ ...click, actions: [{ action_id: 'other', value: ALERT }] }))).toEqual({
      problem: 'Vigil has no button "other"',
    });
    expect(slackClickOf(body({ ...click, actions: [{ action_id: 'vigil_resolve', value: 'x' }] }))).toEqual({
      problem: 'the button does not name an alert',
    });
    expect(slackClickOf(body({ ...click, container: {} }))).toEqual({
      problem: 'the click does not say which message it is on',
    });
  });
});
