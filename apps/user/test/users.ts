// The user suites' set-up: the user service alone, watched for credential revocations, and the
// sign-in of its first admin.
import { RoutingKeys, type Actor, type CredentialRevoked, type Envelope, type TokenPair } from '@vigil/contracts';
import { TestHarness } from '@vigil/testing';
import { userApp } from '../src/user.app.js';

export const ADMIN_EMAIL = 'root@example.com';
export const ADMIN_PASSWORD = 'orbit-lantern-velvet-42';

/** The user service with `env`, not started yet: a test calls start() (once, again after a stop, or in parallel). */
export function startUserHarness(env: Record<string, string | undefined> = {}): Promise<TestHarness> {
  return TestHarness.service(userApp, { env, watch: [RoutingKeys.AuthCredentialRevoked], instances: 0 });
}

/** Decodes (without verifying) the claims of an access token. */
export function claimsOf(tokens: TokenPair): Record<string, unknown> {
  return JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

export function userActor(id: string, ip = '203.0.113.7'): Actor {
  return { kind: 'user', id, ip };
}

/** The auth.credential.revoked events the service has published so far. */
export function revocations(h: TestHarness): Envelope<CredentialRevoked>[] {
  return h.eventsOf<CredentialRevoked>(RoutingKeys.AuthCredentialRevoked);
}
