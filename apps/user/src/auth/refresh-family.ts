/**
 * Refresh-token rotation (OAuth 2.0 Security BCP §4.14): every refresh exchanges the token for a new
 * one of the same family and marks the old one rotated. Presenting a rotated token again means two
 * parties hold it (one of them a thief): the whole family is revoked, so both must sign in again.
 */
export interface RefreshTokenState {
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

export type RefreshVerdict =
  /** Exchange it: rotate this one, issue its successor. */
  | 'valid'
  /** Already exchanged once: revoke the family and refuse. */
  | 'reused'
  /** Logged out, or its family was revoked: refuse. */
  | 'revoked'
  | 'expired';

export function judgeRefreshToken(token: RefreshTokenState, now: Date): RefreshVerdict {
  if (token.rotatedAt !== null) return 'reused';
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'valid';
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function refreshExpiry(now: Date, ttlDays: number): Date {
  return new Date(now.getTime() + ttlDays * DAY_MS);
}
