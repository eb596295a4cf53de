import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys look like `vgk_<prefix>_<secret>`: the prefix (8 characters, shown in listings and logs)
 * finds the stored key, the secret (32 random bytes) proves possession. Only a SHA-256 of the
 * secret is stored: a high-entropy secret needs no slow hash, and verification stays cheap.
 */
const KEY_PATTERN = /^vgk_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  prefix: string;
  secret: string;
}

export function parseApiKey(raw: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(raw.trim());
  return match ? { prefix: match[1], secret: match[2] } : undefined;
}

export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = randomBytes(8)
    .toString('base64url')
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .padEnd(8, '0')
    .slice(0, 8);
  const secret = randomBytes(32).toString('base64url');
  return { key: `vgk_${prefix}_${secret}`, prefix, secretHash: hashApiKeySecret(secret) };
}

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKeySecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
