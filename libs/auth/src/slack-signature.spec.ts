import { createHmac } from 'node:crypto';
import { SlackReplayGuard, slackSignature, verifySlackSignature } from './slack-signature.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const TS = String(NOW / 1000);
const BODY = 'payload=%7B%22type%22%3A%22block_actions%22%7D';

/** The signature computed independently of the code under test. */
function reference(secret: string, timestamp: string, body: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

describe('verifySlackSignature', () => {
  it("matches Slack's documented example", () => {
    // From Slack's "Verifying requests from Slack" guide.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(
      verifySlackSignature({
        signingSecret: SECRET,
        timestamp: '1531420618',
        signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
        rawBody: body,
        now: 1531420618 * 1000,
      }),
    ).toEqual({ ok: true });
  });

  it('accepts a body signed now, and at either edge of the five-minute window', () => {
    const signature = reference(SECRET, TS, BODY);
    expect(slackSignature(SECRET, TS, BODY)).toBe(signature);
    for (const now of [NOW, NOW - 300_000, NOW + 300_000])
      expect(verifySlackSignature({ signingSecret: SECRET, timestamp: TS, signature, rawBody: BODY, now })).toEqual({
        ok: true,
      });
    expect(
      verifySlackSignature({ signingSecret: SECRET, timestamp: TS, signature, rawBody: Buffer.from(BODY), now: NOW }),
    ).toEqual({ ok: true });
  });

  it('refuses a missing header', () => {
    const signature = reference(SECRET, TS, BODY);
    expect(
      verifySlackSignature({ signingSecret: SECRET, timestamp: undefined, signature, rawBody: BODY, now: NOW }),
    ).toMatchObject({ ok: false, reason: 'missing_header', message: expect.stringContaining('Timestamp') });
    expect(
      verifySlackSignature({ signingSecret: SECRET, timestamp: TS, signature: '', rawBody: BODY, now: NOW }),
    ).toMatchObject({ ok: false, reason: 'missing_header', message: expect.stringContaining('Signature') });
  });

  it('refuses a timestamp more than five minutes away, either side, even correctly signed', () => {
    for (const offsetSeconds of [301, -301, 3600]) {
      const timestamp = String(NOW / 1000 + offsetSeconds);
      expect(
        verifySlackSignature({
          signingSecret: SECRET,
          timestamp,
          signature: reference(SECRET, timestamp, BODY),
          rawBody: BODY,
          now: NOW,
        }),
      ).toMatchObject({ ok: false, reason: 'stale_timestamp' });
    }
    expect(
      verifySlackSignature({ signingSecret: SECRET, timestamp: 'soon', signature: 'v0=00', rawBody: BODY, now: NOW }),
    ).toMatchObject({ ok: false, reason: 'stale_timestamp' });
  });

  it('refuses another secret, a changed body, a changed timestamp, a truncated or unprefixed signature', () => {
    const good = reference(SECRET, TS, BODY);
    const cases: Array<[string, string, string]> = [
      [reference('another-secret', TS, BODY), TS, BODY],
      [good, TS, BODY + '&x=1'],
      [good, String(Number(TS) + 1), BODY],
      [good.slice(0, -1), TS, BODY],
      [good.slice(3), TS, BODY],
      [good.toUpperCase(), TS, BODY],
    ];
    for (const [signature, timestamp, rawBody] of cases)
      expect(verifySlackSignature({ signingSecret: SECRET, timestamp, signature, rawBody, now: NOW })).toEqual({
        ok: false,
        reason: 'bad_signature',
        message: 'X-Slack-Signature does not match the body',
      });
  });
});

describe('SlackReplayGuard', () => {
  it('takes a signature once within its window, and again once the window is over', () => {
    let now = NOW;
    const guard = new SlackReplayGuard(10, () => now);
    expect(guard.firstUse('v0=aa', TS)).toBe(true);
    expect(guard.firstUse('v0=aa', TS)).toBe(false);
    expect(guard.firstUse('v0=bb', TS)).toBe(true);
    now = NOW + 300_000;
    expect(guard.firstUse('v0=aa', TS)).toBe(false);
    now = NOW + 300_001;
    expect(guard.firstUse('v0=aa', TS)).toBe(true);
  });

  it('keeps at most maxEntries, dropping expired ones first, then the oldest', () => {
    let now = NOW;
    const guard = new SlackReplayGuard(3, () => now);
    guard.firstUse('v0=old', String(NOW / 1000 - 299));
    now = NOW + 2000;
    guard.firstUse('v0=a', String(NOW / 1000));
    guard.firstUse('v0=b', String(NOW / 1000));
    guard.firstUse('v0=c', String(NOW / 1000));
    expect(guard.size).toBe(3);
    expect(guard.firstUse('v0=a', String(NOW / 1000))).toBe(false);
    guard.firstUse('v0=d', String(NOW / 1000));
    expect(guard.size).toBe(3);
    expect(guard.firstUse('v0=b', String(NOW / 1000))).toBe(false);
    expect(guard.firstUse('v0=a', String(NOW / 1000))).toBe(true);
  });
});
