import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (node:crypto). The stored string carries its parameters —
 * `scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64url) — so they can be raised later: a sign-in with an
 * older string verifies with the old parameters and `needsRehash` says to store a new one.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  r: number;
  p: number;
}

/**
 * N = 2^17, r = 8, p = 1: OWASP's recommended scrypt minimum (Password Storage Cheat Sheet). Each
 * hash takes 128 MiB and roughly 0.2-0.5 s of one core; strings made with the earlier N = 2^15 are
 * re-hashed at their next sign-in.
 */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { ln: 17, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;
const FORMAT = /^scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const N = 2 ** params.ln;
  // scrypt needs 128 * N * r bytes (128 MiB at the defaults) and refuses more than maxmem, 32 MiB
  // unless given: allow twice that, so the limit never decides whether a hash can be checked.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFKC'), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function assertParams(params: ScryptParams): void {
  if (!Number.isInteger(params.ln) || params.ln < 10 || params.ln > 22)
    throw new RangeError('scrypt ln must be an integer from 10 to 22');
  if (!Number.isInteger(params.r) || params.r < 1 || params.r > 32)
    throw new RangeError('scrypt r must be an integer from 1 to 32');
  if (!Number.isInteger(params.p) || params.p < 1 || params.p > 16)
    throw new RangeError('scrypt p must be an integer from 1 to 16');
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  assertParams(params);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * A well-formed stored string with the given parameters that no password matches (its key is random,
 * not derived): checking a password against it costs one scrypt, like a real one, without paying one
 * to make it.
 */
export function unmatchableHash(params: ScryptParams = DEFAULT_SCRYPT_PARAMS): string {
  assertParams(params);
  return `scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${randomBytes(SALT_BYTES).toString('base64url')}$${randomBytes(KEY_BYTES).toString('base64url')}`;
}

export interface ParsedPasswordHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export function parsePasswordHash(stored: string): ParsedPasswordHash | undefined {
  const match = FORMAT.exec(stored);
  if (!match) return undefined;
  const params = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  try {
    assertParams(params);
  } catch {
    return undefined;
  }
  return { params, salt: Buffer.from(match[4]!, 'base64url'), key: Buffer.from(match[5]!, 'base64url') };
}

/** Constant-time comparison; a malformed stored string never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when the stored string was made with weaker parameters than `params` (re-hash on the next sign-in). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return true;
  return parsed.params.ln < params.ln || parsed.params.r < params.r || parsed.params.p < params.p;
}
