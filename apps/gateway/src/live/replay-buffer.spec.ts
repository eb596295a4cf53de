import { manualClock } from '@vigil/testing';
import { createEnvelope } from '@vigil/contracts';
import { frameOf, topicsOf, type LiveEvent } from './live-events.js';
import { ReplayBuffer } from './replay-buffer.js';

const event = (n: number, receivedAt: number, topics = ['alerts', `alert:a${n % 3}`]): LiveEvent => ({
  id: `e${n}`,
  type: 'alert.created',
  topics,
  payload: { n },
  receivedAt,
});

describe('ReplayBuffer', () => {
  it('gives the events after an id, oldest first, and undefined for an id it does not have', () => {
    const clock = manualClock();
    const buffer = new ReplayBuffer({ keep: 5, windowMs: 0, max: 10 }, clock);
    for (let n = 1; n <= 4; n++) buffer.push(event(n, clock()));
    expect(buffer.after('e2')!.map((e) => e.id)).toEqual(['e3', 'e4']);
    expect(buffer.after('e4')).toEqual([]);
    expect(buffer.after('e9')).toBeUndefined();
  });

  it('keeps the newest `keep` events whatever their age, older ones within the window, never more than `max`', () => {
    const clock = manualClock();
    const buffer = new ReplayBuffer({ keep: 3, windowMs: 60_000, max: 6 }, clock);
    for (let n = 1; n <= 5; n++) buffer.push(event(n, clock()));
    expect(buffer.size).toBe(5);
    clock.advance(60_001);
    buffer.push(event(6, clock()));
    // e1..e5 are out of the window: only the newest three stay.
    expect(buffer.size).toBe(3);
    expect(buffer.after('e3')).toBeUndefined();
    expect(buffer.after('e4')!.map((e) => e.id)).toEqual(['e5', 'e6']);
    for (let n = 7; n <= 20; n++) buffer.push(event(n, clock()));
    expect(buffer.size).toBe(6);
    expect(buffer.after('e15')!.map((e) => e.id)).toEqual(['e16', 'e17', 'e18', 'e19', 'e20']);
  });

  it('knows which alerts and sessions its events named, until the last of them is evicted', () => {
    const clock = manualClock();
    const buffer = new ReplayBuffer({ keep: 2, windowMs: 0, max: 2 }, clock);
    buffer.push(event(1, clock(), ['alerts', 'alert:x']));
    buffer.push(event(2, clock(), ['alerts', 'alert:y']));
    expect(buffer.knows('alert:x')).toBe(true);
    buffer.push(event(3, clock(), ['alerts', 'alert:y']));
    expect(buffer.knows('alert:x')).toBe(false);
    expect(buffer.knows('alert:y')).toBe(true);
    expect(buffer.has('e1')).toBe(false);
  });
});

describe('topicsOf and frameOf', () => {
  const alertId = '0192f0c1-0000-7000-8000-00000000000a';
  const sessionId = '0192f0c1-0000-7000-8000-00000000000b';
  const envelope = (type: string, payload: object) => createEnvelope({ type, tenantId: 't1', payload });

  it('puts alert events on alerts and alert:<id>, session ends on investigations and session:<id>, steps on session:<id>', () => {
    expect(topicsOf(envelope('alert.resolved', { alert: { alertId } }))).toEqual(['alerts', `alert:${alertId}`]);
    expect(topicsOf(envelope('agent.session.started', { sessionId }))).toEqual([
      'investigations',
      `session:${sessionId}`,
    ]);
    expect(topicsOf(envelope('agent.llm.interaction', { sessionId }))).toEqual([`session:${sessionId}`]);
    expect(topicsOf(envelope('alert.escalated', { alert: { alertId } }))).toEqual([]);
  });

  it('writes the event frame once per topic', () => {
    const live: LiveEvent = { id: 'e1', type: 'alert.created', topics: ['alerts'], payload: { a: 1 }, receivedAt: 0 };
    const frame = frameOf(live, 'alerts');
    expect(JSON.parse(frame.toString('utf8'))).toEqual({
      type: 'event',
      topic: 'alerts',
      id: 'e1',
      event: 'alert.created',
      data: { a: 1 },
    });
    expect(frameOf(live, 'alerts')).toBe(frame);
    expect(JSON.parse(frameOf(live, `alert:${alertId}`).toString('utf8')).topic).toBe('alert');
  });
});
