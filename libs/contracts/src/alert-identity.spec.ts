import { alertIdOf, canonicalJson, fingerprintOf } from './alert-identity.js';

describe('alert identity', () => {
  it('gives the same id for the same tenant and fingerprint, and different ids across tenants', () => {
    expect(alertIdOf('t1', 'abc')).toBe(alertIdOf('t1', 'abc'));
    expect(alertIdOf('t1', 'abc')).not.toBe(alertIdOf('t2', 'abc'));
    expect(alertIdOf('t1', 'abc')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Separator: ("t1a","bc") must not collide with ("t1","abc").
    expect(alertIdOf('t1a', 'bc')).not.toBe(alertIdOf('t1', 'abc'));
  });

  it('fingerprints by type and labels regardless of label order', () => {
    const a = fingerprintOf({ alertType: 'Disk', labels: { host: 'a', mount: '/' } });
    expect(fingerprintOf({ alertType: 'Disk', labels: { mount: '/', host: 'a' } })).toBe(a);
    expect(fingerprintOf({ alertType: 'Disk', labels: { mount: '/', host: 'b' } })).not.toBe(a);
    expect(fingerprintOf({ alertType: 'Cpu', labels: { mount: '/', host: 'a' } })).not.toBe(a);
  });

  it('fingerprints by the whole payload when there are no labels', () => {
    const a = fingerprintOf({ alertType: 'X', labels: {}, data: { b: [1, { d: 2, c: 3 }], a: 'y' } });
    expect(fingerprintOf({ alertType: 'X', data: { a: 'y', b: [1, { c: 3, d: 2 }] } })).toBe(a);
    expect(fingerprintOf({ alertType: 'X', data: { a: 'y', b: [{ c: 3, d: 2 }, 1] } })).not.toBe(a);
  });

  it('writes canonical JSON with sorted keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
  });
});
