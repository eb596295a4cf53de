import { judgeRefreshToken, refreshExpiry } from './refresh-family.js';

const now = new Date('2026-03-01T12:00:00Z');
const live = { expiresAt: new Date('2026-03-10T00:00:00Z'), rotatedAt: null, revokedAt: null };

describe('refresh-token rotation', () => {
  it('lets a live token be exchanged once', () => {
    expect(judgeRefreshToken(live, now)).toBe('valid');
  });

  it('calls a token that was already exchanged a reuse, even if its family is revoked or it expired since', () => {
    expect(judgeRefreshToken({ ...live, rotatedAt: new Date('2026-03-01T11:00:00Z') }, now)).toBe('reused');
    expect(judgeRefreshToken({ ...live, rotatedAt: now, revokedAt: now }, now)).toBe('reused');
    expect(judgeRefreshToken({ ...live, rotatedAt: now, expiresAt: now }, now)).toBe('reused');
  });

  it('refuses a revoked (logged out) token and an expired one', () => {
    expect(judgeRefreshToken({ ...live, revokedAt: now }, now)).toBe('revoked');
    expect(judgeRefreshToken({ ...live, expiresAt: now }, now)).toBe('expired');
  });

  it('expires REFRESH_TTL_DAYS after issue', () => {
    expect(refreshExpiry(now, 14).toISOString()).toBe('2026-03-15T12:00:00.000Z');
  });
});
