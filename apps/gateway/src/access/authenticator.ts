import { HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { InvalidTokenError, type JwtKeyring, type VerifiedAccessToken } from '@vigil/auth';
import { RpcPatterns, type ApiKeyPrincipal, type PrincipalView } from '@vigil/contracts';
import { RpcRemoteError } from '@vigil/messaging';
import { CLOCK, type Clock } from '@vigil/runtime';
import { UserServiceClient } from '../bus/user-service.client.js';
import type { GatewayConfig } from '../gateway.config.js';
import { GATEWAY_CONFIG, JWT_KEYRING } from '../tokens.js';
import type { PresentedCredential } from './credentials.js';
import { ExpiringCache } from './expiring-cache.js';
import type { Principal } from './principal.js';

const CACHE_ENTRIES = 50_000;
/** One message for every bad credential: no hint whether a user or key exists. */
export const INVALID_KEY = 'invalid or revoked API key';

/** The user service said this credential does not (or no longer) stand. */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof RpcRemoteError &&
    (error.status === HttpStatus.UNAUTHORIZED ||
      error.status === HttpStatus.FORBIDDEN ||
      error.status === HttpStatus.NOT_FOUND)
  );
}

/**
 * Turns a presented credential into a principal. Access tokens are verified locally (signature,
 * expiry), then the user's current state (active? role?) is read through a short cache; API keys
 * are verified by the user service, also through a short cache. Both caches are emptied for a
 * credential when the user service announces its revocation; their TTL (at most 5 s) is the backstop.
 */
@Injectable()
export class Authenticator {
  /** A verified token is trusted for a few seconds (never past its expiry): its signature check (async WebCrypto) costs ~0.1 ms a request. */
  private readonly tokens: ExpiringCache<string, VerifiedAccessToken>;
  private readonly users: ExpiringCache<string, PrincipalView | null>;
  private readonly keys: ExpiringCache<string, ApiKeyPrincipal | null>;
  private readonly inFlight = new Map<string, Promise<ApiKeyPrincipal | null>>();
  /** Bumped on every revocation: an answer to a lookup started before it is used once, never cached. */
  private revocations = 0;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(JWT_KEYRING) private readonly keyring: JwtKeyring,
    @Inject(CLOCK) private readonly now: Clock,
    private readonly userService: UserServiceClient,
  ) {
    this.tokens = new ExpiringCache(CACHE_ENTRIES, now);
    this.users = new ExpiringCache(CACHE_ENTRIES, now);
    this.keys = new ExpiringCache(CACHE_ENTRIES, now);
  }

  /** Throws 401 for a credential that does not stand; lets bus failures through (503/504 upstream). */
  async authenticate(
    credential: Exclude<PresentedCredential, { kind: 'none' | 'unusable' }>,
    ip: string,
  ): Promise<Principal> {
    return credential.kind === 'jwt' ? this.user(credential.token, ip) : this.apiKey(credential.key, ip);
  }

  /** A key was revoked or a user deactivated: forget what was cached about it. */
  revoke(kind: 'api-key' | 'user', id: string): void {
    this.revocations++;
    if (kind === 'user') this.users.delete(id);
    else this.keys.deleteWhere((principal) => principal?.keyId === id);
  }

  private async user(token: string, ip: string): Promise<Principal> {
    const claims = this.tokens.get(token) ?? (await this.verifyToken(token));
    const state = await this.principalOf(claims.sub, claims.tid);
    if (!state || !state.active || state.tenantId !== claims.tid)
      throw new UnauthorizedException('access token is not valid');
    return {
      kind: 'user',
      id: state.userId,
      tenantId: state.tenantId,
      role: state.role,
      platformAdmin: state.platformAdmin,
      ip,
    };
  }

  private async verifyToken(token: string): Promise<VerifiedAccessToken> {
    let claims: VerifiedAccessToken;
    try {
      claims = await this.keyring.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new UnauthorizedException(error.message);
      throw error;
    }
    this.tokens.set(token, claims, Math.min(this.config.PRINCIPAL_CACHE_TTL_MS, claims.exp * 1000 - this.now()));
    return claims;
  }

  private async principalOf(userId: string, tenantId: string): Promise<PrincipalView | null> {
    const cached = this.users.get(userId);
    if (cached !== undefined) return cached;
    const epoch = this.revocations;
    let state: PrincipalView | null;
    try {
      state =
        (await this.userService.inTenant<PrincipalView | null>(RpcPatterns.UserPrincipal, tenantId, { userId })) ??
        null;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      state = null;
    }
    if (epoch === this.revocations) this.users.set(userId, state, this.config.PRINCIPAL_CACHE_TTL_MS);
    return state;
  }

  private async apiKey(key: string, ip: string): Promise<Principal> {
    let found = this.keys.get(key);
    if (found === undefined) {
      // Concurrent first requests with the same key share one lookup.
      let lookup = this.inFlight.get(key);
      if (!lookup) {
        lookup = this.lookUpKey(key).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, lookup);
      }
      found = await lookup;
    }
    if (!found) throw new UnauthorizedException(INVALID_KEY);
    return { kind: 'api-key', id: found.keyId, tenantId: found.tenantId, name: found.name, scopes: found.scopes, ip };
  }

  private async lookUpKey(key: string): Promise<ApiKeyPrincipal | null> {
    const epoch = this.revocations;
    let found: ApiKeyPrincipal | null;
    try {
      found = (await this.userService.anonymous<ApiKeyPrincipal | null>(RpcPatterns.UserVerifyApiKey, { key })) ?? null;
    } catch (error) {
      if (!isRefusal(error)) throw error;
      found = null;
    }
    if (epoch === this.revocations)
      this.keys.set(key, found, found ? this.config.API_KEY_CACHE_TTL_MS : this.config.API_KEY_NEGATIVE_CACHE_TTL_MS);
    return found;
  }
}
