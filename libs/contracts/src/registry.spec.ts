import { createEnvelope } from './envelope.js';
import { ROUTING_KEYS } from './routing-keys.js';
import { RPC_PATTERNS, pingPatternOf, serviceOfPattern } from './rpc-patterns.js';
import { envelopeProblems, PAYLOAD_CLASSES, validateAs, validateEnvelope } from './registry.js';
import { Envelope } from './envelope.js';
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
    expect(validateEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual({
      ok: true,
      value: expect.objectContaining({ id: envelope.id }),
    });
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
    const result = validateEnvelope(
      createEnvelope({ type: 'notification.failed', tenantId: 't1', payload: { deliveryId: 'nope' } }),
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^payload\.deliveryId: /)]),
    );
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

describe('envelopeProblems agrees with the Envelope class', () => {
  const good = () =>
    JSON.parse(
      JSON.stringify(
        createEnvelope({
          type: 'user.system.ping',
          tenantId: 't1',
          payload: {},
          actor: { kind: 'user', id: 'u1', ip: '10.0.0.1' },
        }),
      ),
    ) as Record<string, unknown>;
  const cases: [string, (e: Record<string, unknown>) => void][] = [
    ['valid', () => undefined],
    ['id not v7', (e) => (e.id = '0192f0c1-0000-4000-8000-000000000001')],
    ['no id', (e) => delete e.id],
    ['type with spaces', (e) => (e.type = 'alert created')],
    ['type one segment', (e) => (e.type = 'alert')],
    ['empty tenant', (e) => (e.tenantId = '')],
    ['numeric tenant', (e) => (e.tenantId = 42)],
    ['long tenant', (e) => (e.tenantId = 'x'.repeat(65))],
    ['millisecond time', (e) => (e.occurredAt = '2026-01-01T00:00:00.000Z')],
    ['no correlation', (e) => delete e.correlationId],
    ['schema 0', (e) => (e.schemaVersion = 0)],
    ['schema 1.5', (e) => (e.schemaVersion = 1.5)],
    ['actor kind', (e) => (e.actor = { kind: 'robot', id: 'x' })],
    ['actor without id', (e) => (e.actor = { kind: 'user' })],
    ['actor array', (e) => (e.actor = [])],
    ['payload array', (e) => (e.payload = [])],
    ['payload string', (e) => (e.payload = 'x')],
  ];
  it.each(cases)('%s', (_name, mutate) => {
    const envelope = good();
    mutate(envelope);
    const byHand = envelopeProblems(envelope).length === 0;
    const byClass = validateAs(Envelope, envelope).ok;
    expect(byHand).toBe(byClass);
  });
});

describe('free-form JSON with prototype-like keys', () => {
  it('validates data holding constructor, __proto__ and prototype keys, and leaves the original untouched', () => {
    const data = JSON.parse(
      '{"constructor":"x","nested":{"constructor":{"a":1},"__proto__":{"b":2},"prototype":[{"constructor":null}]}}',
    ) as Record<string, unknown>;
    const envelope = createEnvelope({
      type: 'ingest.alerts.received',
      tenantId: 't1',
      payload: {
        source: 'api',
        alerts: [
          {
            alertId: '0192f0c1-0000-5000-8000-000000000001',
            alertType: 'X',
            runbook: '',
            severity: 'warning',
            timestamp: '1',
            environment: 'p',
            fingerprint: 'f',
            status: 'firing',
            labels: { constructor: 'y' },
            data,
          },
        ],
      },
    });
    const plain = JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;
    const result = validateEnvelope(plain);
    expect(result.ok).toBe(true);
    expect(result.ok && (result.value.payload as { alerts: { data: unknown }[] }).alerts[0].data).toEqual(data);
  });
});
