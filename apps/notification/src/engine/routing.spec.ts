import { DEFAULT_EVENT_KINDS } from './event-kinds.js';
import { groupKeyOf, type RouteSpec } from './routing.js';

function route(id: string, overrides: Partial<RouteSpec> = {}): RouteSpec {
  return {
    id,
    position: 0,
    minSeverity: null,
    alertTypes: [],
    labelMatchers: [],
    eventKinds: [...DEFAULT_EVENT_KINDS],
    channelIds: [`${id}-channel`],
    continue: false,
    groupBy: [],
    groupWaitSeconds: 30,
    groupIntervalSeconds: 300,
    repeatIntervalSeconds: 14_400,
    quietHours: null,
    escalationPolicyId: null,
    fallbackEmailChannelId: null,
    ...overrides,
  };
}

describe('groups', () => {
  it('keys a group by the values of its group-by labels, whatever their order', () => {
    const r = { ...route('r'), groupBy: ['service', 'env'] };
    expect(groupKeyOf(r, { env: 'prod', service: 'api', pod: 'a' })).toBe(
      groupKeyOf(r, { service: 'api', env: 'prod' }),
    );
    expect(groupKeyOf(r, { env: 'prod', service: 'api' })).not.toBe(groupKeyOf(r, { env: 'prod', service: 'web' }));
    expect(groupKeyOf(r, { env: 'prod' })).toBe(groupKeyOf(r, { env: 'prod', service: '' }));
  });
});
