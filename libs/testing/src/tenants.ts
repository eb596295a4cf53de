// A tenant with a user per role and API keys, created through the API as the platform admin:
// what the suites that go through the gateway start from.
import { call, createApiKey, login, type Answer, type Auth } from './http.js';

export const ROLES = ['admin', 'manager', 'operator', 'viewer'] as const;
export type RoleName = (typeof ROLES)[number];
export const TEST_PASSWORD = 'correct horse battery staple 42';

export interface TestTenant {
  slug: string;
  id: string;
  /** Signed-in users, one per role: `users.operator.auth`... */
  users: Record<RoleName, { id: string; email: string; auth: Auth }>;
  /** API keys by scope: `keys['alerts:write']`... */
  keys: Record<string, { id: string; key: string }>;
}

async function expectStatus<T>(answer: Promise<Answer<T>>, status: number, what: string): Promise<T> {
  const got = await answer;
  if (got.status !== status)
    throw new Error(`${what}: expected ${status}, got ${got.status}: ${JSON.stringify(got.body)}`);
  return got.body;
}

/**
 * Creates tenant `slug` as the platform admin (`platform`), signs in its admin, adds a user of every
 * other role (`roles`) and one API key per scope in `scopes`.
 */
export async function createTestTenant(
  baseUrl: string,
  platform: Auth,
  slug: string,
  options: { roles?: readonly RoleName[]; scopes?: readonly string[] } = {},
): Promise<TestTenant> {
  const roles = options.roles ?? ROLES;
  const scopes = options.scopes ?? ['alerts:write', 'alerts:read', 'admin'];
  const adminEmail = `admin@${slug}.test`;
  const created = await expectStatus<{ id: string }>(
    call(baseUrl, 'POST', '/api/v1/tenants', {
      auth: platform,
      body: {
        name: `Tenant ${slug}`,
        slug,
        admin: { email: adminEmail, password: TEST_PASSWORD, name: `Admin ${slug}` },
      },
    }),
    201,
    `creating tenant ${slug}`,
  );
  const adminAuth: Auth = { bearer: (await login(baseUrl, adminEmail, TEST_PASSWORD, slug)).access_token };
  const me = await expectStatus<{ id: string }>(
    call(baseUrl, 'GET', '/api/v1/auth/me', { auth: adminAuth }),
    200,
    'reading the admin',
  );
  const users = { admin: { id: me.id, email: adminEmail, auth: adminAuth } } as TestTenant['users'];
  for (const role of roles.filter((r) => r !== 'admin')) {
    const email = `${role}@${slug}.test`;
    const user = await expectStatus<{ id: string }>(
      call(baseUrl, 'POST', '/api/v1/users', {
        auth: adminAuth,
        body: { email, name: `${role} ${slug}`, role, password: TEST_PASSWORD },
      }),
      201,
      `creating the ${role}`,
    );
    users[role] = {
      id: user.id,
      email,
      auth: { bearer: (await login(baseUrl, email, TEST_PASSWORD, slug)).access_token },
    };
  }
  const keys: TestTenant['keys'] = {};
  for (const scope of scopes) {
    const key = await createApiKey(baseUrl, adminAuth, `${scope} key`, [scope]);
    keys[scope] = { id: key.id, key: key.key };
  }
  return { slug, id: created.id, users, keys };
}
