import { manualClock } from '@vigil/testing';
import { ChannelPacer, messageFor, ROLLUP_LISTED } from './pacing.js';

describe('pacing', () => {
  it('lets one message a second through per channel and honours a requested wait', () => {
    const clock = manualClock(0);
    const pacer = new ChannelPacer(clock);
    expect(pacer.waitMs('c1')).toBe(0);
    pacer.sent('c1', 1_000);
    expect(pacer.waitMs('c1')).toBe(1_000);
    expect(pacer.waitMs('c2')).toBe(0);
    clock.advance(400);
    expect(pacer.waitMs('c1')).toBe(600);
    pacer.pause('c1', 3_000);
    expect(pacer.waitMs('c1')).toBe(3_000);
    clock.advance(3_000);
    expect(pacer.waitMs('c1')).toBe(0);
  });

  it('sends a few waiting messages one a turn and rolls a backlog up into one, never dropping any', () => {
    expect(messageFor(['a'])).toEqual({ single: 'a', later: [] });
    expect(messageFor(['a', 'b', 'c'])).toEqual({ single: 'a', later: ['b', 'c'] });
    const waiting = Array.from({ length: 45 }, (_, i) => i);
    const rollup = messageFor(waiting);
    expect(rollup).toEqual({ rollup: waiting, listed: waiting.slice(0, ROLLUP_LISTED), omitted: 45 - ROLLUP_LISTED });
  });
});
