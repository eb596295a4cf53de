import {
  ErrorCode,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { AddressRefusedError } from '@vigil/netguard';
import { DeliveryError } from './provider.js';
import { slackFailure, smtpFailure, webhookFailure } from './failures.js';

const kindOf = (error: DeliveryError) => [error.kind, error.retryAfterMs];

describe('slackFailure', () => {
  it.each([
    'invalid_auth',
    'not_authed',
    'account_inactive',
    'token_revoked',
    'channel_not_found',
    'is_archived',
    'not_in_channel',
    'msg_too_long',
    'invalid_blocks',
  ])('%s is permanent', (code) => {
    expect(kindOf(slackFailure(new WebAPIPlatformError({ ok: false, error: code })))).toEqual(['permanent', undefined]);
  });

  it('ratelimited, internal_error and unknown codes are transient', () => {
    expect(kindOf(slackFailure(new WebAPIPlatformError({ ok: false, error: 'ratelimited' })))).toEqual([
      'transient',
      1000,
    ]);
    expect(kindOf(slackFailure(new WebAPIPlatformError({ ok: false, error: 'internal_error' })))).toEqual([
      'transient',
      undefined,
    ]);
    expect(kindOf(slackFailure(new WebAPIPlatformError({ ok: false, error: 'something_new' })))).toEqual([
      'transient',
      undefined,
    ]);
  });

  it('a 429 carries Retry-After; 5xx and no answer are transient; another 4xx is permanent', () => {
    expect(kindOf(slackFailure(new WebAPIRateLimitedError(30)))).toEqual(['transient', 30_000]);
    expect(kindOf(slackFailure(new WebAPIHTTPError(429, 'Too Many Requests', { 'retry-after': '4' })))).toEqual([
      'transient',
      4000,
    ]);
    expect(kindOf(slackFailure(new WebAPIHTTPError(502, 'Bad Gateway', {})))).toEqual(['transient', undefined]);
    expect(kindOf(slackFailure(new WebAPIHTTPError(404, 'Not Found', {})))).toEqual(['permanent', undefined]);
    expect(kindOf(slackFailure(new WebAPIRequestError(new Error('ECONNRESET'))))).toEqual(['transient', undefined]);
    expect(new WebAPIRequestError(new Error('x')).code).toBe(ErrorCode.RequestError);
  });
});

describe('webhookFailure', () => {
  const http = (statusCode: number, body = '') => Object.assign(new Error('http'), { statusCode, body });
  it('404 no_service, 410, 403 invalid_token and 400 are permanent; 5xx, 408 and 429 transient', () => {
    for (const [status, body] of [
      [404, 'no_service'],
      [410, 'channel_is_archived'],
      [403, 'invalid_token'],
      [400, 'invalid_payload'],
    ] as const)
      expect(webhookFailure(http(status, body))).toMatchObject({
        kind: 'permanent',
        providerResponse: { status, body },
      });
    expect(kindOf(webhookFailure(http(500)))).toEqual(['transient', undefined]);
    expect(kindOf(webhookFailure(http(408)))).toEqual(['transient', undefined]);
    expect(kindOf(webhookFailure(http(429), '12'))).toEqual(['transient', 12_000]);
    expect(kindOf(webhookFailure(http(429)))).toEqual(['transient', 1000]);
  });

  it('no answer is transient; an address refused as private is permanent', () => {
    const network = Object.assign(new Error('request error'), {
      original: new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }),
    });
    expect(webhookFailure(network)).toMatchObject({
      kind: 'transient',
      message: 'Slack webhook: request failed: fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    });
    const refused = Object.assign(new Error('request error'), {
      original: new TypeError('fetch failed', { cause: new AddressRefusedError('hooks.internal', '10.0.0.5', 'X') }),
    });
    expect(webhookFailure(refused).kind).toBe('permanent');
  });
});

describe('smtpFailure', () => {
  const reply = (responseCode: number) =>
    Object.assign(new Error('reply'), { responseCode, response: `${responseCode} x` });
  it('4xx replies are transient, 5xx permanent', () => {
    for (const code of [421, 450, 451, 452]) expect(smtpFailure(reply(code)).kind).toBe('transient');
    for (const code of [535, 550, 552, 553, 554]) expect(smtpFailure(reply(code)).kind).toBe('permanent');
    expect(smtpFailure(reply(550)).providerResponse).toEqual({ responseCode: 550, response: '550 x' });
  });

  it('no reply (refused, closed, timed out) is transient; bad credentials permanent', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'])
      expect(smtpFailure(Object.assign(new Error(code), { code })).kind).toBe('transient');
    expect(smtpFailure(Object.assign(new Error('auth'), { code: 'EAUTH' })).kind).toBe('permanent');
  });
});
