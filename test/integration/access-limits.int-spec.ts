// Rate limits at the gateway: per API key, per tenant, and sign-in attempts per client address;
// each answers 429 with Retry-After and a JSON body that says which limit it was.
import { call, createApiKey, login, TEST_MODE, TestHarness, type Answer } from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const PER_KEY = 5;
const PER_TENANT = 25;
const SIGN_IN_PER_IP = 6;

function expectLimited(answer: Answer, what: RegExp): void {
  expect(answer.status).toBe(429);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(answer.body).toMatchObject({
    statusCode: 429,
    message: expect.stringMatching(what),
    retryAfterSeconds: retryAfter,
  });
}

describe(`rate limits (${TEST_MODE})`, () => {
  let system: TestHarness;
  let adminToken: string;

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        RATE_LIMIT_PER_KEY_PER_MIN: String(PER_KEY),
        RATE_LIMIT_PER_TENANT_PER_MIN: String(PER_TENANT),
        RATE_LIMIT_LOGIN_PER_IP_PER_MIN: String(SIGN_IN_PER_IP),
      },
    });
    adminToken = (await login(system.url, system.admin.email, system.admin.password)).access_token; // sign-in attempt 1
  }, 60_000);

  afterAll(async () => {
    await system?.close();
  });

  it('limits one API key, and not its neighbour', async () => {
    const key = await createApiKey(system.url, { bearer: adminToken }, `limited-${RUN}`, ['alerts:write']);
    const other = await createApiKey(system.url, { bearer: adminToken }, `neighbour-${RUN}`, ['alerts:write']);
    for (let i = 0; i < PER_KEY; i++)
      expect((await call(system.url, 'GET', '/api/v1/auth/whoami', { auth: { apiKey: key.key } })).status).toBe(200);
    expectLimited(await call(system.url, 'GET', '/api/v1/auth/whoami', { auth: { apiKey: key.key } }), /this API key/);
    expect((await call(system.url, 'GET', '/api/v1/auth/whoami', { auth: { apiKey: other.key } })).status).toBe(200);
  });

  it('limits a whole tenant, whatever the credential', async () => {
    let answer: Answer | undefined;
    for (let i = 0; i < PER_TENANT + 1; i++) {
      answer = await call(system.url, 'GET', '/api/v1/auth/whoami', { auth: { bearer: adminToken } });
      if (answer.status !== 200) break;
    }
    expectLimited(answer!, /this tenant/);
  });

  it('limits sign-in attempts per client address, before the user service is asked', async () => {
    const attempt = (i: number) =>
      call(system.url, 'POST', '/api/v1/auth/login', {
        body: { email: `nobody-${i}-${RUN}@nowhere.test`, password: 'not the password' },
      });
    // One attempt went to the admin's sign-in; the rest of the minute's allowance is refused as bad credentials.
    for (let i = 1; i < SIGN_IN_PER_IP; i++) expect((await attempt(i)).status).toBe(401);
    expectLimited(await attempt(SIGN_IN_PER_IP), /sign-in attempts from this address/);
    // Public routes that are not sign-in routes are not counted.
    expect((await call(system.url, 'GET', '/health/live')).status).toBe(200);
  });
});
