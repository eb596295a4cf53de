import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque one-time secrets: refresh tokens (`vgr_...`) and invitation tokens (`vgi_...`), 32 random
 * bytes. Only their SHA-256 is stored: a high-entropy secret needs no slow hash.
 */
export type OpaqueTokenKind = 'vgr' | 'vgi';

export function generateOpaqueToken(kind: OpaqueTokenKind): { token: string; hash: string } {
  const token = `${kind}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashOpaqueToken(token) };
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A well-formed token of that kind (anything else is refused without a database read). */
export function isOpaqueToken(kind: OpaqueTokenKind, token: string): boolean {
  return new RegExp(`^${kind}_[A-Za-z0-9_-]{43}$`).test(token);
}
