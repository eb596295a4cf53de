// Access through the gateway, end to end: credentials, roles and scopes as docs/access.md says,
// tenants that cannot see each other, revocation by the credential-revoked event, and JSON errors that
// name the problem.
import { jest } from '@jest/globals';
import { JwtKeyring } from '@vigil/auth';
import type { TokenPair } from '@vigil/contracts';
import { JWT_KEYRING } from '../../apps/gateway/src/tokens.js';
import { RouteAccess } from '../../apps/gateway/src/access/route-access.js';
import {
  declarationOfRow,
  normaliseDeclaration,
  parseAccessTable,
  policyMap,
  type AccessRow,
} from '../support/access-table.js';
import {
  call,
  createApiKey,
  login,
  TEST_MODE,
  TestHarness,
  type Answer,
  type Auth,
  RELAXED_RATE_LIMITS,
  waitFor,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const PASSWORD = 'correct horse battery staple 42';
const MISSING_ID = '01900000-0000-7000-8000-000000000000';
const ROLES = ['admin', 'manager', 'operator', 'viewer'] as const;

interface Tenant {
  slug: string;
  id: string;
  admin: { email: string; token: string; id: string };
  users: Record<(typeof ROLES)[number], { id: string; email: string; token: string }>;
  teamId: string;
  adminKey: { id: string; key: string };
  alertsKey: { id: string; key: string };
}

type Page = { items: Record<string, unknown>[]; nextCursor: string | null };

/**
 * Runs `work` with Date.now() stopped (and with it every service's CLOCK in this process), timers
 * still running: no cache entry can expire meanwhile, so whatever ends a credential's access inside
 * is the revocation event, not a TTL running out.
 */
async function withClockStopped<T>(work: () => Promise<T>): Promise<T> {
  const stopped = jest.spyOn(Date, 'now').mockReturnValue(Date.now());
  try {
    return await work();
  } finally {
    stopped.mockRestore();
  }
}

/** Checks `predicate` every 20 ms, at most `attempts` times (no clock involved: see withClockStopped). */
async function poll<T>(what: string, attempts: number, predicate: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await predicate();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: not after ${attempts} checks`);
}

function expectJsonError(answer: Answer, status: number, message: RegExp | string): void {
  expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json/),
  });
  expect(answer.body).toMatchObject({
    statusCode: status,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
    correlationId: expect.any(String),
  });
}

describe(`access through the gateway (${TEST_MODE})`, () => {
  let system: TestHarness;
  let platform: TokenPair;
  let a: Tenant;
  let b: Tenant;
  const api = <T = Record<string, unknown>>(method: string, path: string, auth?: Auth, body?: unknown) =>
    call<T>(system.url, method, path, { auth, body });

  async function ok<T = Record<string, unknown>>(answer: Promise<Answer<T>>, status = 200): Promise<T> {
    const got = await answer;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${JSON.stringify(got.body)}`);
    return got.body;
  }

  /** How many auth.credential.revoked events the gateway has handled (its own /metrics). */
  async function revocationsHandled(): Promise<number> {
    const text = await (await fetch(`${system.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('vigil_messages_consumed_total{') &&
          l.includes('service="gateway"') &&
          l.includes('routing_key="auth.credential.revoked"') &&
          l.includes('outcome="handled"'),
      );
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  async function tenant(name: string): Promise<Tenant> {
    const slug = `${name}-${RUN}`;
    const adminEmail = `admin@${slug}.test`;
    const created = await ok<{ id: string }>(
      api(
        'POST',
        '/api/v1/tenants',
        { bearer: platform.access_token },
        { name: `Tenant ${slug}`, slug, admin: { email: adminEmail, password: PASSWORD, name: `Admin ${name}` } },
      ),
      201,
    );
    const adminToken = (await login(system.url, adminEmail, PASSWORD, slug)).access_token;
    const auth = { bearer: adminToken };
    const me = await ok<{ id: string; tenantId: string }>(api('GET', '/api/v1/auth/me', auth));
    expect(me.tenantId).toBe(created.id);
    const users = { admin: { id: me.id, email: adminEmail, token: adminToken } } as Tenant['users'];
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const email = `${role}@${slug}.test`;
      const user = await ok<{ id: string }>(
        api('POST', '/api/v1/users', auth, { email, name: `${role} ${name}`, role, password: PASSWORD }),
        201,
      );
      users[role] = { id: user.id, email, token: (await login(system.url, email, PASSWORD, slug)).access_token };
    }
    const team = await ok<{ id: string }>(api('POST', '/api/v1/teams', auth, { name: `SRE ${name}` }), 201);
    const adminKey = await createApiKey(system.url, auth, `automation ${name}`, ['admin']);
    const alertsKey = await createApiKey(system.url, auth, `alertmanager ${name}`, ['alerts:write']);
    return {
      slug,
      id: created.id,
      admin: { email: adminEmail, token: adminToken, id: me.id },
      users,
      teamId: team.id,
      adminKey,
      alertsKey,
    };
  }

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
      },
    });
    platform = await login(system.url, system.admin.email, system.admin.password);
    [a, b] = await Promise.all([tenant('a'), tenant('b')]);
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  describe('the route table', () => {
    it('matches the running gateway route for route, both ways', () => {
      const gateway = system.services.find((s) => s.service === 'gateway')!;
      const live = gateway.app
        .get(RouteAccess)
        .list()
        .map((r) => ({ method: r.method, path: r.path, access: normaliseDeclaration(r.access) }));
      const documented = parseAccessTable().map((row) => ({
        method: row.method,
        path: row.path,
        access: declarationOfRow(row),
      }));
      expect(policyMap(live)).toEqual(policyMap(documented));
    });
  });

  describe('role and scope matrix, driven by docs/access.md', () => {
    const rows = parseAccessTable().filter(
      (row) => row.credential !== 'none' && row.credential !== 'none, sign-in limit',
    );

    /** A request that passes the guard without changing anything: an id that does not exist, or a body that does not validate. */
    function probe(row: AccessRow): { path: string; body?: unknown } {
      const path = row.path.replace(/:\w+/g, MISSING_ID);
      // Deactivation and an investigation take no body: their probe is the id alone.
      if (['POST', 'PUT', 'PATCH'].includes(row.method) && !/\/(deactivate|investigations)$/.test(row.path))
        return { path, body: { unexpected: true } };
      return { path };
    }

    /**
     * What a caller the route admits gets for the probe: a list or a read of the caller's own state
     * 200, an object that does not exist 404, a body with an unknown field 422.
     */
    function admittedStatus(row: AccessRow): number {
      const { body } = probe(row);
      if (body !== undefined) return 422;
      if (row.method === 'GET' && !row.path.includes(':')) return 200;
      return 404;
    }

    function callers(): { name: string; auth: Auth; role?: string; platformAdmin?: boolean; scopes?: string[] }[] {
      return [
        ...ROLES.map((role) => ({ name: `${role} user`, auth: { bearer: a.users[role].token }, role })),
        { name: 'platform admin', auth: { bearer: platform.access_token }, role: 'admin', platformAdmin: true },
        { name: 'admin-scoped key', auth: { apiKey: a.adminKey.key }, scopes: ['admin'] },
        { name: 'alerts:write key', auth: { apiKey: a.alertsKey.key }, scopes: ['alerts:write'] },
      ];
    }

    it.each(rows.map((row) => [`${row.method} ${row.path}`, row] as const))('%s', async (_name, row) => {
      const { path, body } = probe(row);
      const refusedWithout = await api(row.method, path, undefined, body);
      expectJsonError(refusedWithout, 401, /authentication required/);
      expect(refusedWithout.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const outcomes: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const caller of callers()) {
        const allowed = caller.scopes
          ? row.scopes.includes('*') || caller.scopes.some((s) => row.scopes.includes(s))
          : row.roles.includes(caller.role!) || (caller.platformAdmin === true && row.roles.includes('platform-admin'));
        const answer = await api(row.method, path, caller.auth, body);
        outcomes[caller.name] = answer.status;
        expected[caller.name] = allowed ? admittedStatus(row) : 403;
        if (answer.status === 403)
          expectJsonError(answer, 403, /needs the role|lacks the scope|takes an API key|not an API key/);
      }
      expect(outcomes).toEqual(expected);
    });

    it('serves the public routes without any credential', async () => {
      for (const row of parseAccessTable().filter((r) => r.credential === 'none' && r.method === 'GET')) {
        expect([row.path, (await api('GET', row.path)).status]).toEqual([row.path, 200]);
      }
    });
  });

  describe('API keys', () => {
    it('are accepted as Bearer, X-API-Key and HTTP Basic password (any username)', async () => {
      const forms: Auth[] = [
        { bearer: a.adminKey.key },
        { apiKey: a.adminKey.key },
        { basic: { user: 'alertmanager', password: a.adminKey.key } },
        { basic: { user: '', password: a.adminKey.key } },
      ];
      for (const auth of forms) {
        const whoami = await ok<{ kind: string; id: string; tenantId: string; scopes: string[] }>(
          api('GET', '/api/v1/auth/whoami', auth),
        );
        expect(whoami).toEqual({
          kind: 'api-key',
          id: a.adminKey.id,
          tenantId: a.id,
          name: 'automation a',
          scopes: ['admin'],
        });
      }
      expect((await api('GET', '/api/v1/users', { basic: { user: 'x', password: a.adminKey.key } })).status).toBe(200);
    });

    it('without the scope a route needs → 403 naming the scope', async () => {
      expectJsonError(
        await api('GET', '/api/v1/users', { apiKey: a.alertsKey.key }),
        403,
        'this API key lacks the scope admin',
      );
      expectJsonError(
        await api('POST', '/api/v1/api-keys', { apiKey: a.adminKey.key }, { name: 'x', scopes: ['admin'] }),
        403,
        /not an API key/,
      );
    });

    it('unknown, malformed or conflicting → 401 without saying more', async () => {
      const forged = `vgk_${a.adminKey.key.split('_')[1]}_${'A'.repeat(43)}`;
      expectJsonError(await api('GET', '/api/v1/auth/whoami', { apiKey: forged }), 401, 'invalid or revoked API key');
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', { apiKey: 'hello' }),
        401,
        /X-API-Key is not a Vigil API key/,
      );
      expectJsonError(await api('GET', '/api/v1/auth/whoami', { basic: { user: 'u', password: 'p' } }), 401, /Basic/);
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', {
          headers: { authorization: `Bearer ${a.adminKey.key}`, 'x-api-key': b.adminKey.key },
        }),
        401,
        /send one credential/,
      );
    });

    it('a revoked key stops working once the gateway hears of the revocation, before any cache could expire', async () => {
      const auth = { bearer: a.admin.token };
      const key = await createApiKey(system.url, auth, 'short-lived', ['alerts:write']);
      const listed = await ok<Page>(api('GET', '/api/v1/api-keys', auth));
      expect(listed.items.find((k) => k.id === key.id)).toMatchObject({
        prefix: key.prefix,
        scopes: ['alerts:write'],
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(listed)).not.toContain(key.key);
      await withClockStopped(async () => {
        const heard = await revocationsHandled();
        // Now cached by the gateway, and with the clock stopped that entry never expires by itself.
        expect((await api('GET', '/api/v1/auth/whoami', { apiKey: key.key })).status).toBe(200);
        await ok(api('DELETE', `/api/v1/api-keys/${key.id}`, auth), 204);
        await poll('the gateway to handle auth.credential.revoked', 1_000, async () =>
          (await revocationsHandled()) > heard ? true : undefined,
        );
        expectJsonError(
          await api('GET', '/api/v1/auth/whoami', { apiKey: key.key }),
          401,
          'invalid or revoked API key',
        );
      });
    });

    it('cannot set up access that outlives the key: no passwords, no admins', async () => {
      const adminAuth = { bearer: a.admin.token };
      const key = await createApiKey(system.url, adminAuth, 'leaked automation', ['admin']);
      const keyAuth = { apiKey: key.key };
      const email = (who: string) => `${who}-by-key@${a.slug}.test`;
      const refusals = [
        [
          await api('POST', '/api/v1/users', keyAuth, {
            email: email('admin'),
            name: 'Backdoor',
            role: 'admin',
            password: PASSWORD,
          }),
          'password',
        ],
        [
          await api('POST', '/api/v1/users', keyAuth, {
            email: email('operator'),
            name: 'Backdoor',
            role: 'operator',
            password: PASSWORD,
          }),
          'password',
        ],
        [
          await api('POST', '/api/v1/users', keyAuth, {
            email: email('invited-admin'),
            name: 'Backdoor',
            role: 'admin',
          }),
          'role',
        ],
        [await api('PATCH', `/api/v1/users/${a.users.viewer.id}`, keyAuth, { role: 'admin' }), 'role'],
      ] as const;
      for (const [answer, field] of refusals) {
        expectJsonError(answer, 403, new RegExp(`^${field}: an API key cannot`));
        expect(answer.body.field).toBe(field);
      }
      // What a key may still do: invite a non-admin, who chooses their own password.
      const invited = await ok<{ invitationToken: string; role: string }>(
        api('POST', '/api/v1/users', keyAuth, { email: email('invitee'), name: 'Invitee', role: 'viewer' }),
        201,
      );
      expect(invited).toMatchObject({ role: 'viewer', invitationToken: expect.any(String) });
      // A signed-in admin still may do what the key may not.
      await ok(
        api('POST', '/api/v1/users', adminAuth, {
          email: email('human-admin'),
          name: 'Second admin',
          role: 'admin',
          password: PASSWORD,
        }),
        201,
      );

      await ok(api('DELETE', `/api/v1/api-keys/${key.id}`, adminAuth), 204);
      await waitFor(async () => (await api('GET', '/api/v1/auth/whoami', keyAuth)).status === 401, {
        what: 'the revoked key refused',
      });
      for (const who of ['admin', 'operator'])
        expectJsonError(
          await api('POST', '/api/v1/auth/login', undefined, { email: email(who), password: PASSWORD, tenant: a.slug }),
          401,
          'invalid email or password',
        );
      const users = await ok<Page>(api('GET', '/api/v1/users?limit=200', adminAuth));
      const byKey = users.items.filter((u) => String(u.email).endsWith(`-by-key@${a.slug}.test`));
      expect(byKey.map((u) => [u.email, u.role]).sort()).toEqual([
        [email('human-admin'), 'admin'],
        [email('invitee'), 'viewer'],
      ]);
      expect((await ok<{ role: string }>(api('GET', `/api/v1/users/${a.users.viewer.id}`, adminAuth))).role).toBe(
        'viewer',
      );
    });
  });

  describe('access tokens', () => {
    it('refuses expired, malformed, foreign-key and bogus tokens with 401', async () => {
      const keyring = system.services.find((s) => s.service === 'gateway')!.app.get<JwtKeyring>(JWT_KEYRING);
      const claims = { sub: a.users.viewer.id, tid: a.id, role: 'viewer' as const, pa: false };
      expect((await api('GET', '/api/v1/auth/whoami', { bearer: (await keyring.sign(claims, 60)).token })).status).toBe(
        200,
      );
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', { bearer: (await keyring.sign(claims, -60)).token }),
        401,
        'access token is expired',
      );
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', { bearer: 'abc.def.ghi' }),
        401,
        'access token is malformed',
      );
      const foreign = JwtKeyring.parse(`other:${'o'.repeat(48)}`);
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', { bearer: (await foreign.sign(claims, 60)).token }),
        401,
        'access token is not valid',
      );
      // A token that claims another tenant for this user: the tenant comes from the user service's record, and they disagree.
      expectJsonError(
        await api('GET', '/api/v1/auth/whoami', { bearer: (await keyring.sign({ ...claims, tid: b.id }, 60)).token }),
        401,
        'access token is not valid',
      );
    });

    it('takes the role from the user service, not the token', async () => {
      const keyring = system.services.find((s) => s.service === 'gateway')!.app.get<JwtKeyring>(JWT_KEYRING);
      const inflated = (await keyring.sign({ sub: a.users.viewer.id, tid: a.id, role: 'admin', pa: true }, 60)).token;
      expect(await ok(api('GET', '/api/v1/auth/whoami', { bearer: inflated }))).toMatchObject({
        role: 'viewer',
        platformAdmin: false,
      });
      expect((await api('GET', '/api/v1/users', { bearer: inflated })).status).toBe(403);
    });

    it("a deactivated user's token is refused once the gateway hears of it, before any cache could expire", async () => {
      const adminAuth = { bearer: a.admin.token };
      const email = `leaver@${a.slug}.test`;
      const user = await ok<{ id: string }>(
        api('POST', '/api/v1/users', adminAuth, { email, name: 'Leaver', role: 'operator', password: PASSWORD }),
        201,
      );
      const token = (await login(system.url, email, PASSWORD, a.slug)).access_token;
      await withClockStopped(async () => {
        const heard = await revocationsHandled();
        // whoami asks no service: what refuses the token is the gateway's own (cached) view of the user,
        // which with the clock stopped never expires by itself.
        expect((await api('GET', '/api/v1/auth/whoami', { bearer: token })).status).toBe(200);
        expect(await ok(api('POST', `/api/v1/users/${user.id}/deactivate`, adminAuth))).toMatchObject({
          id: user.id,
          active: false,
        });
        await poll('the gateway to handle auth.credential.revoked', 1_000, async () =>
          (await revocationsHandled()) > heard ? true : undefined,
        );
        expectJsonError(await api('GET', '/api/v1/auth/whoami', { bearer: token }), 401, 'access token is not valid');
      });
      expectJsonError(
        await api('POST', '/api/v1/auth/login', undefined, { email, password: PASSWORD, tenant: a.slug }),
        401,
        'invalid email or password',
      );
    });

    it('refresh rotates; presenting a used refresh token again revokes the family', async () => {
      const first = await login(system.url, a.users.operator.email, PASSWORD, a.slug);
      expect(first).toMatchObject({
        token_type: 'Bearer',
        expires_in: expect.any(Number),
        access_token: expect.any(String),
        refresh_token: expect.any(String),
      });
      const second = await ok<TokenPair>(
        api('POST', '/api/v1/auth/refresh', undefined, { refresh_token: first.refresh_token }),
      );
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect((await api('GET', '/api/v1/auth/whoami', { bearer: second.access_token })).status).toBe(200);
      expectJsonError(
        await api('POST', '/api/v1/auth/refresh', undefined, { refresh_token: first.refresh_token }),
        401,
        /refresh token/,
      );
      // The thief and the owner are now both out: the successor was revoked with its family.
      expectJsonError(
        await api('POST', '/api/v1/auth/refresh', undefined, { refresh_token: second.refresh_token }),
        401,
        /refresh token/,
      );
    });

    it('an invited user sets a password once and is signed in', async () => {
      const invited = await ok<{ id: string; invitationToken: string }>(
        api(
          'POST',
          '/api/v1/users',
          { bearer: a.admin.token },
          { email: `invitee@${a.slug}.test`, name: 'Invitee', role: 'viewer' },
        ),
        201,
      );
      expect(invited.invitationToken).toEqual(expect.any(String));
      const pair = await ok<TokenPair>(
        api('POST', '/api/v1/auth/accept-invitation', undefined, {
          token: invited.invitationToken,
          password: PASSWORD,
        }),
      );
      expect(await ok(api('GET', '/api/v1/auth/whoami', { bearer: pair.access_token }))).toMatchObject({
        kind: 'user',
        id: invited.id,
        tenantId: a.id,
        role: 'viewer',
      });
      expectJsonError(
        await api('POST', '/api/v1/auth/accept-invitation', undefined, {
          token: invited.invitationToken,
          password: PASSWORD,
        }),
        401,
        /invitation/,
      );
    });

    it('logout retires the refresh token', async () => {
      const pair = await login(system.url, a.users.manager.email, PASSWORD, a.slug);
      const out = await api('POST', '/api/v1/auth/logout', undefined, { refresh_token: pair.refresh_token });
      expect(out.status).toBe(204);
      expect((await api('POST', '/api/v1/auth/refresh', undefined, { refresh_token: pair.refresh_token })).status).toBe(
        401,
      );
    });

    it('a refused sign-in never tells whether the email exists', async () => {
      const wrongPassword = await api('POST', '/api/v1/auth/login', undefined, {
        email: a.users.viewer.email,
        password: 'nope',
        tenant: a.slug,
      });
      const noSuchEmail = await api('POST', '/api/v1/auth/login', undefined, {
        email: `nobody-${RUN}@nowhere.test`,
        password: 'nope',
      });
      expectJsonError(wrongPassword, 401, 'invalid email or password');
      expectJsonError(noSuchEmail, 401, 'invalid email or password');
      const { correlationId: _a, ...one } = wrongPassword.body;
      const { correlationId: _b, ...other } = noSuchEmail.body;
      expect(one).toEqual(other);
    });
  });

  describe('cross-tenant isolation', () => {
    const objectRoutes = () => [
      { method: 'GET', path: `/api/v1/users/${a.users.operator.id}` },
      { method: 'PATCH', path: `/api/v1/users/${a.users.operator.id}`, body: { name: 'hijacked', role: 'viewer' } },
      { method: 'POST', path: `/api/v1/users/${a.users.operator.id}/deactivate` },
      { method: 'GET', path: `/api/v1/teams/${a.teamId}` },
      { method: 'PATCH', path: `/api/v1/teams/${a.teamId}`, body: { name: 'hijacked' } },
      { method: 'DELETE', path: `/api/v1/teams/${a.teamId}` },
      { method: 'DELETE', path: `/api/v1/api-keys/${a.alertsKey.id}` },
    ];

    it('covers every route of the table that takes an id', () => {
      const withId = parseAccessTable()
        .filter((row) => row.path.includes(':id'))
        .map((row) => `${row.method} ${row.path}`);
      const covered = objectRoutes().map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, ':id')}`);
      expect(covered.sort()).toEqual(withId.sort());
    });

    it("answers tenant B's credentials on tenant A's objects exactly like a missing object, and changes nothing", async () => {
      const table = parseAccessTable();
      for (const [auth, admitted] of [
        [{ bearer: b.admin.token }, (row: AccessRow) => row.roles.includes('admin')],
        [{ apiKey: b.adminKey.key }, (row: AccessRow) => row.scopes.includes('admin')],
      ] as [Auth, (row: AccessRow) => boolean][]) {
        for (const route of objectRoutes()) {
          const template = route.path.replace(/[0-9a-f-]{36}/, ':id');
          const row = table.find((r) => r.method === route.method && r.path === template)!;
          // 404 where the credential may use the route, as for an id that never existed (a 403 would
          // confirm the object exists); 403 where it may not, whatever the id.
          const status = admitted(row) ? 404 : 403;
          const foreign = await api(route.method, route.path, auth, route.body);
          const missing = await api(route.method, route.path.replace(/[0-9a-f-]{36}/, MISSING_ID), auth, route.body);
          expect([route.method, template, foreign.status, missing.status]).toEqual([
            route.method,
            template,
            status,
            status,
          ]);
          // Same body but for the id it names back (and the correlation id).
          const foreignId = /[0-9a-f-]{36}/.exec(route.path)![0];
          const { correlationId: _f, ...foreignBody } = foreign.body;
          const { correlationId: _m, ...missingBody } = missing.body;
          expect(JSON.stringify(foreignBody).replaceAll(foreignId, ':id')).toBe(
            JSON.stringify(missingBody).replaceAll(MISSING_ID, ':id'),
          );
        }
      }
      const aAuth = { bearer: a.admin.token };
      expect(await ok(api('GET', `/api/v1/users/${a.users.operator.id}`, aAuth))).toMatchObject({
        name: 'operator a',
        role: 'operator',
        active: true,
      });
      expect(await ok(api('GET', `/api/v1/teams/${a.teamId}`, aAuth))).toMatchObject({ name: 'SRE a' });
      expect((await api('GET', '/api/v1/auth/whoami', { apiKey: a.alertsKey.key })).status).toBe(200);
    });

    it("never lists tenant A's rows to tenant B", async () => {
      const aIds = [...ROLES.map((r) => a.users[r].id), a.teamId, a.adminKey.id, a.alertsKey.id];
      for (const auth of [{ bearer: b.admin.token }, { apiKey: b.adminKey.key }] as Auth[]) {
        for (const path of [
          '/api/v1/users?limit=200',
          '/api/v1/teams?limit=200',
          '/api/v1/api-keys?limit=200',
          '/api/v1/audit?limit=200',
        ]) {
          const page = await ok<Page>(api('GET', path, auth));
          expect(page.items.length).toBeGreaterThan(0);
          const text = JSON.stringify(page);
          for (const id of aIds) expect(text).not.toContain(id);
          expect(text).not.toContain(a.slug);
        }
      }
    });
  });

  describe('what reaches the services', () => {
    it('carries the tenant, the actor (user or key, with the client address) and the correlation id', async () => {
      const correlationId = `access-${RUN}`;
      const asUser = await call(system.url, 'PATCH', `/api/v1/teams/${a.teamId}`, {
        auth: { bearer: a.admin.token },
        body: { description: 'by a user' },
        // TRUST_PROXY is off by default: a client cannot choose the address it is recorded with.
        headers: { 'x-correlation-id': correlationId, 'x-forwarded-for': '203.0.113.9' },
      });
      expect(asUser.status).toBe(200);
      expect(asUser.headers.get('x-correlation-id')).toBe(correlationId);
      expect(
        (await api('PATCH', `/api/v1/teams/${a.teamId}`, { apiKey: a.adminKey.key }, { description: 'by a key' }))
          .status,
      ).toBe(200);
      const entries = (
        await ok<Page>(
          api('GET', `/api/v1/audit?action=team.updated&targetId=${a.teamId}&limit=10`, { bearer: a.admin.token }),
        )
      ).items;
      expect(entries.map((e) => [e.actorType, e.actorId])).toEqual(
        expect.arrayContaining([
          ['user', a.admin.id],
          ['api-key', a.adminKey.id],
        ]),
      );
      for (const entry of entries) expect(entry.ip).toEqual(expect.stringMatching(/127\.0\.0\.1|::1/));
      // The user service logs a refused RPC (404 here) with the correlation id the client sent.
      const missing = await call(system.url, 'GET', `/api/v1/users/${MISSING_ID}`, {
        auth: { bearer: a.admin.token },
        headers: { 'x-correlation-id': correlationId },
      });
      expect(missing.status).toBe(404);
      const userServiceLines = system.logs.filter(
        (line) => line.service === 'user' && line.correlationId === correlationId,
      );
      expect(userServiceLines).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ msg: 'RPC handler failed', pattern: 'user.users.get', status: 404 }),
        ]),
      );
    });
  });

  describe('input and errors', () => {
    it('refuses unknown and bad fields with 422 naming each one', async () => {
      const answer = await api(
        'POST',
        '/api/v1/users',
        { bearer: a.admin.token },
        { email: 'not-an-email', name: 'x', role: 'overlord', tenantId: b.id },
      );
      expectJsonError(answer, 422, /email.*role.*tenantId|tenantId.*email/s);
      expect((answer.body as { errors: string[] }).errors).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^email: /),
          expect.stringMatching(/^role: /),
          'tenantId: property tenantId should not exist',
        ]),
      );
      expectJsonError(
        await api('GET', '/api/v1/users/not-a-uuid', { bearer: a.admin.token }),
        422,
        'id: must be a UUID',
      );
      expectJsonError(await api('GET', '/api/v1/audit?limit=many', { bearer: a.admin.token }), 422, /limit/);
      expectJsonError(await api('POST', '/api/v1/auth/login', undefined, { email: 'a@b.test' }), 422, /password/);
    });

    it('pages the audit log by cursor with filters', async () => {
      const auth = { bearer: a.admin.token };
      const first = await ok<Page>(api('GET', '/api/v1/audit?limit=2', auth));
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await ok<Page>(
        api('GET', `/api/v1/audit?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`, auth),
      );
      expect(second.items.map((e) => e.id)).not.toContain(first.items[0]!.id);
      const created = await ok<Page>(api('GET', `/api/v1/audit?action=user.created&limit=50`, auth));
      expect(created.items.length).toBeGreaterThanOrEqual(3);
      expect(created.items.every((e) => e.action === 'user.created')).toBe(true);
    });
  });

  describe('done when', () => {
    it('two tenants created by the bootstrap admin cannot read, list, change or detect each other', async () => {
      const boot = await login(system.url, system.admin.email, system.admin.password);
      const make = async (name: string) => {
        const slug = `${name}-${RUN}`;
        const email = `root@${slug}.test`;
        const tenant = await ok<{ id: string }>(
          api(
            'POST',
            '/api/v1/tenants',
            { bearer: boot.access_token },
            { name: `Org ${name}`, slug, admin: { email, password: PASSWORD, name: `Root ${name}` } },
          ),
          201,
        );
        const token = (await login(system.url, email, PASSWORD, slug)).access_token;
        const member = await ok<{ id: string }>(
          api(
            'POST',
            '/api/v1/users',
            { bearer: token },
            { email: `member@${slug}.test`, name: 'Member', role: 'viewer', password: PASSWORD },
          ),
          201,
        );
        const key = await createApiKey(system.url, { bearer: token }, `key ${name}`, ['admin']);
        return { slug, id: tenant.id, token, member, key };
      };
      const one = await make('done-one');
      const two = await make('done-two');
      const tenants = await ok<Page>(api('GET', '/api/v1/tenants?limit=200', { bearer: boot.access_token }));
      expect(tenants.items.map((t) => t.slug)).toEqual(expect.arrayContaining([one.slug, two.slug]));

      for (const [me, other] of [
        [one, two],
        [two, one],
      ] as const) {
        for (const auth of [{ bearer: me.token }, { apiKey: me.key.key }] as Auth[]) {
          // read and detect: the other's user and key answer exactly as ids that never existed
          const foreignUser = await api('GET', `/api/v1/users/${other.member.id}`, auth);
          const neverUser = await api('GET', `/api/v1/users/${MISSING_ID}`, auth);
          expect(foreignUser.status).toBe(404);
          expect(String(foreignUser.body.message).replaceAll(other.member.id, ':id')).toBe(
            String(neverUser.body.message).replaceAll(MISSING_ID, ':id'),
          );
          // change: refused as missing
          expect((await api('PATCH', `/api/v1/users/${other.member.id}`, auth, { role: 'admin' })).status).toBe(404);
          expect((await api('POST', `/api/v1/users/${other.member.id}/deactivate`, auth)).status).toBe(404);
          // list: nothing of the other tenant
          for (const path of ['/api/v1/users?limit=200', '/api/v1/api-keys?limit=200', '/api/v1/audit?limit=200']) {
            const text = JSON.stringify(await ok<Page>(api('GET', path, auth)));
            for (const secret of [other.member.id, other.key.id, other.id, other.slug])
              expect(text).not.toContain(secret);
          }
          // tenants are the platform admin's business only
          expect((await api('GET', '/api/v1/tenants', auth)).status).toBe(403);
        }
        expect((await api('DELETE', `/api/v1/api-keys/${other.key.id}`, { bearer: me.token })).status).toBe(404);
      }
      // and nothing of either changed
      for (const t of [one, two]) {
        expect(await ok(api('GET', `/api/v1/users/${t.member.id}`, { bearer: t.token }))).toMatchObject({
          role: 'viewer',
          active: true,
        });
        expect(await ok(api('GET', '/api/v1/auth/whoami', { apiKey: t.key.key }))).toMatchObject({ tenantId: t.id });
      }
    });
  });
});
