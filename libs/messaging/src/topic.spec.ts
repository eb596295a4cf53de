import { isValidBindingPattern, isWildcardPattern, routingKeyLabel, topicMatches } from './topic.js';

describe('topicMatches (RabbitMQ topic semantics)', () => {
  it.each([
    ['alert.created', 'alert.created', true],
    ['alert.created', 'alert.updated', false],
    ['alert.*', 'alert.created', true],
    ['alert.*', 'alert', false],
    ['alert.*', 'alert.session.started', false],
    ['agent.#', 'agent.session.started', true],
    ['agent.#', 'agent', true],
    ['#', 'anything.at.all', true],
    ['#.started', 'agent.session.started', true],
    ['#.started', 'started', true],
    ['*.session.*', 'agent.session.failed', true],
    ['*.session.*', 'agent.llm.interaction', false],
    ['agent.#.failed', 'agent.failed', true],
    ['agent.#.failed', 'agent.session.x.failed', true],
    ['agent.#.failed', 'agent.session.completed', false],
    ['a.#.#.b', 'a.b', true],
    ['*', 'alert', true],
    ['*', 'alert.created', false],
  ])('%s ~ %s → %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('tells wildcard patterns and valid binding keys apart', () => {
    expect(isWildcardPattern('alert.*')).toBe(true);
    expect(isWildcardPattern('agent.#')).toBe(true);
    expect(isWildcardPattern('alert.created')).toBe(false);
    expect(isValidBindingPattern('alert.created')).toBe(true);
    expect(isValidBindingPattern('agent-runner.system.ping')).toBe(true);
    expect(isValidBindingPattern('alert..created')).toBe(false);
    expect(isValidBindingPattern('alert.cr*ated')).toBe(false);
    expect(isValidBindingPattern('')).toBe(false);
  });

  it('labels only contract keys, everything else is "unknown"', () => {
    expect(routingKeyLabel('alert.created')).toBe('alert.created');
    expect(routingKeyLabel('user.system.ping')).toBe('user.system.ping');
    expect(routingKeyLabel('alert.exploded')).toBe('unknown');
    expect(routingKeyLabel('x'.repeat(300))).toBe('unknown');
    expect(routingKeyLabel(undefined)).toBe('unknown');
  });
});
