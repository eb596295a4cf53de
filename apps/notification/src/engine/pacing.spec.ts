import { messageFor, ROLLUP_LISTED } from './pacing.js';

describe('pacing', () => {
  it('sends a few waiting messages one a turn and rolls a backlog up into one, never dropping any', () => {
    expect(messageFor(['a'])).toEqual({ single: 'a', later: [] });
    expect(messageFor(['a', 'b', 'c'])).toEqual({ single: 'a', later: ['b', 'c'] });
    const waiting = Array.from({ length: 45 }, (_, i) => i);
    const rollup = messageFor(waiting);
    expect(rollup).toEqual({ rollup: waiting, listed: waiting.slice(0, ROLLUP_LISTED), omitted: 45 - ROLLUP_LISTED });
  });
});
