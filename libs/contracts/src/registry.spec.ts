import { createEnvelope } from './envelope.js';
import { ROUTING_KEYS } from './routing-keys.js';
import { RPC_PATTERNS, pingPatternOf, serviceOfPattern } from './rpc-patterns.js';
import { PAYLOAD_CLASSES, validateEnvelope } from './registry.js';
import { SERVICES } from './services.js';
import { isoMicros, nowMicros, parseIsoMicros } from './time.js';

describe('contracts', () => {
  it('registers a payload class for every routing key and RPC pattern', () => {
    for (const key of [...ROUTING_KEYS, ...RPC_PATTERNS]) expect(PAYLOAD_CLASSES[key]).toBeDefined();
  });

  it('routes each ping to the service it names', () => {
    for (const service of SERVICES) expect(serviceOfPattern(pingPatternOf(service))).toBe(service);
  });

  it('accepts a well-formed envelope', () => {
    const envelope = createEnvelope({ type: 'user.system.ping', tenantId: 't1', payload: {} });
    expect(validateEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual({ ok: true, value: expect.objectContaining({ id: envelope.id }) });
    expect(envelope.correlationId).toBe(envelope.id);
  });

  it('names what is wrong with a bad envelope', () => {
    const envelope = createEnvelope({ type: 'user.system.ping', tenantId: 't1', payload: {} });
    const { tenantId: _dropped, ...withoutTenant } = envelope;
    const result = validateEnvelope(withoutTenant);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.join()).toMatch(/tenantId/);
  });

  it('rejects an unknown routing key by name', () => {
    const result = validateEnvelope(createEnvelope({ type: 'alert.exploded', tenantId: 't1', payload: {} }));
    expect(!result.ok && result.problems).toEqual(['type: unknown routing key or RPC pattern "alert.exploded"']);
  });

  it('names the payload field that fails validation', () => {
    const result = validateEnvelope(createEnvelope({ type: 'notification.failed', tenantId: 't1', payload: { deliveryId: 'nope' } }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^payload\.deliveryId: /)]));
  });

  it('keeps microseconds through format and parse, strictly increasing', () => {
    const a = nowMicros();
    const b = nowMicros();
    expect(b > a).toBe(true);
    expect(parseIsoMicros(isoMicros(a))).toBe(a);
    expect(isoMicros(1_700_000_000_123_456n)).toBe('2023-11-14T22:13:20.123456Z');
    expect(parseIsoMicros('2023-11-14T22:13:20+01:00')).toBe(1_699_996_400_000_000n);
    expect(parseIsoMicros('yesterday')).toBeUndefined();
  });
});
