import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '@vigil/contracts';

const ISSUER = 'vigil';
const AUDIENCE = 'vigil-api';
const MIN_SECRET_BYTES = 32;

/** The claims of a Vigil access token. The tenant comes from here, never from a request body. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  /** Tenant id. */
  tid: string;
  role: Role;
  /** Platform administrator: may create tenants. */
  pa: boolean;
}

export interface VerifiedAccessToken extends AccessClaims {
  jti: string;
  exp: number;
  kid: string;
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
  constructor(readonly reason: 'malformed' | 'expired' | 'bad-signature' | 'unknown-key' | 'invalid-claims') {
    super(`access token is ${reason === 'expired' ? 'expired' : reason === 'malformed' ? 'malformed' : 'not valid'}`);
  }
}

/**
 * HMAC keys by id: the first signs, all verify, so a key is rotated by putting the new one first
 * and keeping the old one until the longest-lived token signed with it has expired.
 */
export class JwtKeyring {
  private constructor(
    private readonly keys: ReadonlyMap<string, Uint8Array>,
    readonly signingKid: string,
  ) {}

  /** Parses `JWT_KEYS`: `kid:secret[,kid:secret]`, each secret at least 32 bytes (base64url, base64 or text). */
  static parse(value: string): JwtKeyring {
    const keys = new Map<string, Uint8Array>();
    for (const entry of value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new Error('JWT_KEYS entries must look like kid:secret');
      const kid = entry.slice(0, colon);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid))
        throw new Error(`JWT_KEYS key id "${kid}" must be 1-64 letters, digits, dots, dashes or underscores`);
      const secret = decodeSecret(entry.slice(colon + 1));
      if (secret.byteLength < MIN_SECRET_BYTES)
        throw new Error(`JWT_KEYS key "${kid}" is shorter than ${MIN_SECRET_BYTES} bytes`);
      if (keys.has(kid)) throw new Error(`JWT_KEYS names key "${kid}" twice`);
      keys.set(kid, secret);
    }
    const first = keys.keys().next();
    if (first.done) throw new Error('JWT_KEYS names no key');
    return new JwtKeyring(keys, first.value);
  }

  /**
   * `JWT_KEYS` when set; else (standalone, one machine) a key generated once and kept in the data
   * directory, so sign-ins survive a restart.
   */
  static load(options: { JWT_KEYS?: string; VIGIL_DATA_DIR: string }): JwtKeyring {
    if (options.JWT_KEYS) return JwtKeyring.parse(options.JWT_KEYS);
    const file = path.join(options.VIGIL_DATA_DIR, 'jwt-signing.key');
    mkdirSync(options.VIGIL_DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, `local:${randomBytes(48).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return JwtKeyring.parse(readFileSync(file, 'utf8').trim());
  }

  async sign(claims: AccessClaims, ttlSeconds: number): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ tid: claims.tid, role: claims.role, pa: claims.pa })
      .setProtectedHeader({ alg: 'HS256', kid: this.signingKid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.keys.get(this.signingKid)!);
    return { token, expiresIn: ttlSeconds };
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    let kid: string | undefined;
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        (header) => {
          kid = header.kid;
          const key = header.kid ? this.keys.get(header.kid) : undefined;
          if (!key) throw new InvalidTokenError('unknown-key');
          return key;
        },
        { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] },
      );
      const { sub, tid, role, pa, jti, exp } = payload as Record<string, unknown>;
      if (
        typeof sub !== 'string' ||
        typeof tid !== 'string' ||
        typeof role !== 'string' ||
        typeof jti !== 'string' ||
        typeof exp !== 'number'
      ) {
        throw new InvalidTokenError('invalid-claims');
      }
      return { sub, tid, role: role as Role, pa: pa === true, jti, exp, kid: protectedHeader.kid ?? kid ?? '' };
    } catch (error) {
      if (error instanceof InvalidTokenError) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('expired');
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) throw new InvalidTokenError('bad-signature');
      if (error instanceof joseErrors.JWTClaimValidationFailed) throw new InvalidTokenError('invalid-claims');
      throw new InvalidTokenError('malformed');
    }
  }
}

function decodeSecret(text: string): Uint8Array {
  if (/^[A-Za-z0-9_-]+$/.test(text) && text.length >= 43) return Buffer.from(text, 'base64url');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length >= 44) return Buffer.from(text, 'base64');
  return Buffer.from(text, 'utf8');
}
