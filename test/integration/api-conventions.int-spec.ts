// What every route shares, through the gateway: one body policy (JSON as application/json or +json,
// anything else 415 naming the content type, checked after authentication) and one way to page
// (limit ≤ 200, an opaque cursor bound to its list; a bad cursor is 422 naming `cursor` on every list).
import {
  call,
  createTestTenant,
  login,
  TEST_MODE,
  TestHarness,
  type Answer,
  type Auth,
  type TestTenant,
  RELAXED_RATE_LIMITS,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const MISSING_ID = '01900000-0000-7000-8000-000000000000';
const ADVICE = 'send the body as JSON with content-type application/json';

describe(`API conventions (${TEST_MODE})`, () => {
  let system: TestHarness;
  let platform: Auth;
  let t: TestTenant;
  let admin: Auth;
  let writer: Auth;

  /** A request whose body is sent as given, with exactly the headers given (fetch adds no content type to bytes). */
  async function raw(path: string, body: string, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
    const res = await fetch(`${system.url}${path}`, { method, headers, body: new TextEncoder().encode(body) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  function expectError(answer: Answer, status: number, message: string): void {
    expect({ status: answer.status, message: answer.body.message }).toEqual({ status, message });
  }

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
      },
    });
    platform = { bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token };
    t = await createTestTenant(system.url, platform, `conventions-${RUN}`, { roles: ['admin'] });
    admin = t.users.admin.auth;
    writer = { apiKey: t.keys['alerts:write']!.key };
  });

  afterAll(async () => {
    await system?.close();
  });

  describe('request bodies', () => {
    const login = JSON.stringify({ email: 'nobody@example.test', password: 'not the password' });

    it('refuses a JSON text sent as text/plain on the login route with 415, not a 422 about its fields', async () => {
      expectError(
        await raw('/api/v1/auth/login', login, { 'content-type': 'text/plain' }),
        415,
        `content-type text/plain is not accepted: ${ADVICE}`,
      );
      // The same text as JSON reaches the sign-in (and is refused there).
      expect((await raw('/api/v1/auth/login', login, { 'content-type': 'application/json' })).status).toBe(401);
    });

    it('refuses other content types on the alert API and the webhooks, after authentication', async () => {
      const alert = JSON.stringify({ alert_type: 'disk-full', runbook: 'rb' });
      const key = { 'x-api-key': t.keys['alerts:write']!.key };
      expectError(
        await raw('/api/v1/alerts', alert, { ...key, 'content-type': 'text/plain' }),
        415,
        `content-type text/plain is not accepted: ${ADVICE}`,
      );
      expectError(
        await raw('/api/v1/alerts', alert, { 'content-type': 'text/plain' }),
        401,
        'authentication required: send a bearer token or an API key',
      );
      expectError(
        await raw('/api/v1/webhooks/alertmanager', '{"alerts": []}', {
          ...key,
          'content-type': 'application/x-www-form-urlencoded',
        }),
        415,
        `content-type application/x-www-form-urlencoded is not accepted: ${ADVICE}`,
      );
      expectError(
        await raw('/api/v1/webhooks/generic?type=name', '{"name": "x"}', {
          ...key,
          'content-type': 'application/json; charset=latin1',
        }),
        415,
        'content-type application/json; charset=latin1 is not accepted: JSON is read as UTF-8 (charset=utf-8 or none)',
      );
      expect(
        (await raw('/api/v1/alerts', alert, { ...key, 'content-type': 'application/json; charset=utf-8' })).status,
      ).toBe(202);
    });

    it('refuses a body without a content type on an admin route; takes any +json type', async () => {
      expectError(
        await raw('/api/v1/teams', JSON.stringify({ name: `ops-${RUN}` }), {
          authorization: `Bearer ${bearer(admin)}`,
        }),
        415,
        `content-type is missing: ${ADVICE}`,
      );
      const created = await raw('/api/v1/teams', JSON.stringify({ name: `ops-${RUN}` }), {
        authorization: `Bearer ${bearer(admin)}`,
        'content-type': 'application/vnd.vigil+json',
      });
      expect(created.status).toBe(201);
    });

    it('refuses keys named constructor, __proto__ or prototype with 422 naming them, instead of dropping them', async () => {
      const headers = { authorization: `Bearer ${bearer(admin)}`, 'content-type': 'application/json' };
      for (const key of ['constructor', '__proto__', 'prototype'])
        expectError(
          await raw('/api/v1/teams', `{"name":"proto-${key}-${RUN}","${key}":{"a":1}}`, headers),
          422,
          `invalid request: ${key}: a key named "${key}" is not accepted`,
        );
      const teams = await call<{ items: { name: string }[] }>(system.url, 'GET', '/api/v1/teams?limit=200', {
        auth: admin,
      });
      expect(teams.body.items.filter((team) => team.name.startsWith('proto-'))).toEqual([]);
    });

    it('lets a request without a body omit the content type', async () => {
      const answer = await call(system.url, 'PUT', `/api/v1/alerts/${MISSING_ID}/acknowledge`, { auth: writer });
      expect(answer.status).toBe(404);
    });
  });

  describe('paging', () => {
    const lists = [
      '/api/v1/users',
      '/api/v1/teams',
      '/api/v1/api-keys',
      '/api/v1/tenants',
      '/api/v1/audit',
      '/api/v1/alerts',
      '/api/v1/silences',
      '/api/v1/alerts/rejected',
    ];
    const foreign = Buffer.from(`["alerts","desc",1,"${MISSING_ID}"]`).toString('base64url');

    it.each(lists)('answers a bad cursor on %s with 422 naming cursor', async (path) => {
      const auth = path === '/api/v1/tenants' ? platform : admin;
      for (const cursor of ['garbage', MISSING_ID, foreign]) {
        const answer = await call(system.url, 'GET', `${path}?cursor=${encodeURIComponent(cursor)}`, { auth });
        expect({ status: answer.status, body: answer.body }).toEqual({
          status: 422,
          body: expect.objectContaining({
            message: expect.stringMatching(/^cursor: /),
            field: 'cursor',
          }) as unknown,
        });
      }
    });

    it('pages a list to its end, and refuses its cursor on another list', async () => {
      for (const name of ['a', 'b', 'c'])
        expect(
          (await call(system.url, 'POST', '/api/v1/teams', { auth: admin, body: { name: `page-${name}-${RUN}` } }))
            .status,
        ).toBe(201);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await call<{ items: { id: string }[]; nextCursor: string | null }>(
          system.url,
          'GET',
          `/api/v1/teams?limit=2${query}`,
          { auth: admin },
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((team) => team.id));
        cursor = page.body.nextCursor;
        pages++;
        if (pages === 1) {
          expectError(
            await call(system.url, 'GET', `/api/v1/users?cursor=${encodeURIComponent(cursor!)}`, { auth: admin }),
            422,
            'cursor: belongs to sort=teams order=asc, not sort=users order=asc',
          );
        }
      } while (cursor);
      const all = await call<{ items: { id: string }[]; nextCursor: null }>(
        system.url,
        'GET',
        '/api/v1/teams?limit=200',
        {
          auth: admin,
        },
      );
      const total = all.body.items.length;
      expect(total).toBeGreaterThanOrEqual(3);
      expect({ pages, seen, nextCursor: all.body.nextCursor }).toEqual({
        pages: Math.ceil(total / 2),
        seen: all.body.items.map((team) => team.id),
        nextCursor: null,
      });
      expect([...seen].sort()).toEqual(seen);
    });

    it('refuses a limit over 200 or not a number with 422 naming limit', async () => {
      for (const [limit, problem] of [
        ['201', 'limit: limit must not be greater than 200'],
        ['abc', 'limit: limit must be an integer'],
        ['0', 'limit: limit must not be less than 1'],
      ] as const) {
        const answer = await call<{ errors: string[] }>(system.url, 'GET', `/api/v1/users?limit=${limit}`, {
          auth: admin,
        });
        expect({ status: answer.status, errors: answer.body.errors }).toEqual({
          status: 422,
          errors: expect.arrayContaining([problem]) as unknown,
        });
      }
    });
  });
});

function bearer(auth: Auth): string {
  if (!auth || !('bearer' in auth)) throw new Error('a signed-in user was expected');
  return auth.bearer;
}
