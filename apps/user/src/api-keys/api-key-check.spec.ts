import { generateApiKey, parseApiKey } from '@vigil/auth';
import { checkApiKey, LastUsedBuffer, type StoredApiKey } from './api-key-check.js';

function stored(secretHash: string, overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  return {
    id: 'k1',
    tenantId: 't1',
    name: 'alertmanager',
    secretHash,
    scopes: ['alerts:write'],
    revokedAt: null,
    ...overrides,
  };
}

describe('API key verification', () => {
  const { key, secretHash } = generateApiKey();

  it('accepts the key whose secret matches the stored hash and returns its principal', () => {
    expect(checkApiKey(parseApiKey(key), stored(secretHash))).toEqual({
      ok: true,
      principal: { keyId: 'k1', tenantId: 't1', name: 'alertmanager', scopes: ['alerts:write'] },
    });
  });

  it('refuses a malformed key, an unknown prefix, a wrong secret and a revoked key', () => {
    expect(checkApiKey(parseApiKey('not-a-key'), undefined)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkApiKey(parseApiKey(key), null)).toEqual({ ok: false, reason: 'unknown' });
    const other = generateApiKey();
    expect(checkApiKey(parseApiKey(key), stored(other.secretHash))).toEqual({ ok: false, reason: 'mismatch' });
    expect(checkApiKey(parseApiKey(key), stored(secretHash, { revokedAt: new Date() }))).toEqual({
      ok: false,
      reason: 'revoked',
    });
  });
});

describe('last-used debouncing', () => {
  const t0 = new Date('2026-03-01T12:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);

  it('writes a key at most once per interval, the first use right away', () => {
    const buffer = new LastUsedBuffer(60_000);
    expect(buffer.touch('k1', 't1', t0)).toBe(true);
    expect(buffer.touch('k1', 't1', at(1_000))).toBe(false);
    expect(buffer.touch('k1', 't1', at(59_999))).toBe(false);
    expect(buffer.touch('k2', 't1', at(2_000))).toBe(true);
    expect(buffer.take()).toEqual([
      { keyId: 'k1', tenantId: 't1', at: t0 },
      { keyId: 'k2', tenantId: 't1', at: at(2_000) },
    ]);
    expect(buffer.pending).toBe(0);
    expect(buffer.touch('k1', 't1', at(60_000))).toBe(true);
    expect(buffer.take()).toEqual([{ keyId: 'k1', tenantId: 't1', at: at(60_000) }]);
  });
});
