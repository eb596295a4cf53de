import { closeReason, keyOf, parseClientFrame } from './live-frames.js';

const ID = '0192f0c1-0000-7000-8000-000000000001';

describe('parseClientFrame', () => {
  it('reads auth, subscribe (with and without after) and unsubscribe frames', () => {
    expect(parseClientFrame('{"type":"auth","token":" t0k "}')).toEqual({ type: 'auth', token: 't0k' });
    expect(parseClientFrame('{"type":"subscribe","topic":"alerts"}')).toEqual({
      type: 'subscribe',
      ref: { topic: 'alerts' },
    });
    expect(
      parseClientFrame(`{"type":"subscribe","topic":"session","id":"${ID.toUpperCase()}","after":"${ID}"}`),
    ).toEqual({
      type: 'subscribe',
      ref: { topic: 'session', id: ID },
      after: ID,
    });
    expect(parseClientFrame(`{"type":"unsubscribe","topic":"alert","id":"${ID}","after":"ignored"}`)).toEqual({
      type: 'unsubscribe',
      ref: { topic: 'alert', id: ID },
    });
  });

  it('names what is wrong with a frame it cannot take', () => {
    expect(parseClientFrame('nope')).toEqual({ code: 'bad_frame', message: 'a frame must be a JSON object' });
    expect(parseClientFrame('null')).toEqual({ code: 'bad_frame', message: 'a frame must be a JSON object' });
    expect(parseClientFrame('{"type":"auth"}')).toEqual({
      code: 'bad_frame',
      message: 'token: must be a non-empty string',
    });
    expect(parseClientFrame('{"type":"subscribe","topic":{"x":1}}')).toEqual({
      code: 'bad_topic',
      message: 'topic: must be one of alerts, alert, investigations, session',
    });
    expect(parseClientFrame('{"type":"subscribe","topic":"session","id":"12"}')).toEqual({
      code: 'bad_id',
      message: "id: the session topic needs the session's id (a UUID)",
      ref: { topic: 'session' },
    });
    expect(parseClientFrame('{"type":"subscribe","topic":"investigations","after":7}')).toEqual({
      code: 'bad_frame',
      message: 'after: must be the id of an event received before (a UUID)',
      ref: { topic: 'investigations' },
    });
  });

  it('keys subscriptions by topic and id', () => {
    expect(keyOf({ topic: 'alerts' })).toBe('alerts');
    expect(keyOf({ topic: 'alert', id: ID })).toBe(`alert:${ID}`);
  });

  it('cuts a close reason to the 123 bytes a close frame carries, whole characters only', () => {
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBe(122);
    expect(closeReason('short')).toBe('short');
  });
});
