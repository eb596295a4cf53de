import { SetMetadata } from '@nestjs/common';
import type { ApiKeyScope, Role } from '@vigil/contracts';

/** A role a user token may need; `platform-admin` is the flag that lets a user create tenants. */
export type RoleRequirement = Role | 'platform-admin';
/** A scope an API key may need; `*` accepts any valid key of the tenant. */
export type ScopeRequirement = ApiKeyScope | '*';

/** No credential. `signIn`: the route is throttled per client address (credential guessing). */
export interface PublicAccess {
  readonly kind: 'public';
  readonly signIn: boolean;
  /** The metrics route: METRICS_ALLOWED_CIDRS and METRICS_TOKEN apply when set. */
  readonly metrics?: boolean;
}

/**
 * A credential is required. A user token is accepted when `roles` is set and the user has one of
 * them; an API key when `scopes` is set and the key has one of them. At least one of the two is set.
 */
export interface CredentialAccess {
  readonly kind: 'credential';
  readonly roles: readonly RoleRequirement[];
  readonly scopes: readonly ScopeRequirement[];
}

export type AccessDeclaration = PublicAccess | CredentialAccess;

export const ACCESS_METADATA = 'vigil:access';

/** Anyone may call this route (health, metrics, docs, system status). */
export const Public = (): MethodDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'public', signIn: false } satisfies PublicAccess);

/** Anyone may call this route, at most RATE_LIMIT_LOGIN_PER_IP_PER_MIN times a minute per address. */
export const SignIn = (): MethodDecorator =>
  SetMetadata(ACCESS_METADATA, { kind: 'public', signIn: true } satisfies PublicAccess);

/** A signed-in user with one of `roles`, or an API key with one of `scopes`. */
export function Access(rule: {
  roles?: readonly RoleRequirement[];
  scopes?: readonly ScopeRequirement[];
}): MethodDecorator {
  const declaration: CredentialAccess = { kind: 'credential', roles: rule.roles ?? [], scopes: rule.scopes ?? [] };
  if (declaration.roles.length === 0 && declaration.scopes.length === 0)
    throw new Error('@Access() needs roles, scopes or both (use @Public() for a route without credential)');
  return SetMetadata(ACCESS_METADATA, declaration);
}

/** Every role: any signed-in user of the tenant. */
export const ANY_ROLE: readonly Role[] = ['admin', 'manager', 'operator', 'viewer'];
