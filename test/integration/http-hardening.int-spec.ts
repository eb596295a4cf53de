// The gateway's HTTP surface beyond the access table: security headers on every answer, and which
// peers may set the client address (TRUST_PROXY) that per-address limits count under, and who may
// read /metrics (METRICS_TOKEN, METRICS_ALLOWED_CIDRS); and refused credentials counted per client
// address, so guessing API keys stops costing lookups.
import { jest } from '@jest/globals';
import { RpcPatterns } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { call, createApiKey, login, TEST_MODE, TestHarness, type Answer } from '@vigil/testing';

const SIGN_IN_PER_IP = 3;

/** A sign-in route call the guard counts per address before anything else (its empty body is then a 422). */
function signInAttempt(url: string, forwardedFor: string): Promise<Answer> {
  return call(url, 'POST', '/api/v1/auth/logout', { body: {}, headers: { 'x-forwarded-for': forwardedFor } });
}

describe(`the gateway's HTTP hardening (${TEST_MODE})`, () => {
  describe('security headers', () => {
    let system: TestHarness;

    beforeAll(async () => {
      system = await TestHarness.system();
    }, 60_000);

    afterAll(async () => {
      await system?.close();
    });

    it('serves /metrics to anyone when neither METRICS_TOKEN nor METRICS_ALLOWED_CIDRS is set', async () => {
      const answer = await call(system.url, 'GET', '/metrics');
      expect(answer.status).toBe(200);
      expect(String(answer.body)).toContain('vigil_http_requests_total');
    });

    it('sends no X-Powered-By and helmet’s headers, on successes and errors alike', async () => {
      const answers = [
        await call(system.url, 'GET', '/health/live'),
        await call(system.url, 'GET', '/api/v1/auth/whoami'),
        await call(system.url, 'GET', '/api/v1/no-such-route'),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 401, 404]);
      for (const answer of answers) {
        expect(answer.headers.get('x-powered-by')).toBeNull();
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
        expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
        // The gateway's own headers are still there.
        expect(answer.headers.get('x-correlation-id')).toEqual(expect.any(String));
      }
    });
  });

  describe('the client address behind proxies (TRUST_PROXY)', () => {
    it('refuses TRUST_PROXY=true at start-up, saying what to set instead', async () => {
      let refusal: unknown;
      try {
        const started = await TestHarness.system({ env: { TRUST_PROXY: 'true' } });
        await started.close();
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(Error);
      expect((refusal as Error).message).toContain(
        'TRUST_PROXY is invalid: true would believe any X-Forwarded-For a client sends: give the number of proxies in front of the gateway (e.g. 1) or their addresses/subnets (e.g. 10.0.0.0/8)',
      );
    }, 60_000);

    it('with a hop count, takes the address the proxy wrote, whatever the client put before it', async () => {
      // The test's own connection plays the one proxy; the client behind it sends a new made-up address each time.
      const system = await TestHarness.system({
        env: { TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP_PER_MIN: String(SIGN_IN_PER_IP) },
      });
      try {
        for (let i = 0; i < SIGN_IN_PER_IP; i++)
          expect((await signInAttempt(system.url, `203.0.113.${i + 1}, 198.51.100.7`)).status).toBe(422);
        const limited = await signInAttempt(system.url, '203.0.113.99, 198.51.100.7');
        expect(limited.status).toBe(429);
        expect(limited.body.message).toMatch(/sign-in attempts from this address/);
        // Another client behind the same proxy has its own allowance.
        expect((await signInAttempt(system.url, '203.0.113.99, 198.51.100.8')).status).toBe(422);
      } finally {
        await system.close();
      }
    }, 60_000);

    it('ignores X-Forwarded-For from a peer that is not one of the listed proxies', async () => {
      const system = await TestHarness.system({
        env: { TRUST_PROXY: '192.0.2.10, 10.0.0.0/8', RATE_LIMIT_LOGIN_PER_IP_PER_MIN: String(SIGN_IN_PER_IP) },
      });
      try {
        for (let i = 0; i < SIGN_IN_PER_IP; i++)
          expect((await signInAttempt(system.url, `198.51.100.${i + 1}`)).status).toBe(422);
        const limited = await signInAttempt(system.url, '198.51.100.99');
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      } finally {
        await system.close();
      }
    }, 60_000);
  });

  describe('/metrics restricted by configuration', () => {
    const TOKEN = 'scrape-token-0123456789abcdef';
    let system: TestHarness;

    beforeAll(async () => {
      // The test's connection plays one proxy, so X-Forwarded-For chooses the client address the allow-list sees.
      system = await TestHarness.system({
        env: { TRUST_PROXY: '1', METRICS_TOKEN: TOKEN, METRICS_ALLOWED_CIDRS: '10.0.0.0/8, 2001:db8::/32' },
      });
    }, 60_000);

    afterAll(async () => {
      await system?.close();
    });

    const scrape = (from: string, authorization?: string): Promise<Answer> =>
      call(system.url, 'GET', '/metrics', {
        headers: { 'x-forwarded-for': from, ...(authorization ? { authorization } : {}) },
      });

    it('serves an allowed address that sends the token', async () => {
      for (const from of ['10.1.2.3', '2001:db8::7']) {
        const answer = await scrape(from, `Bearer ${TOKEN}`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(String(answer.body)).toContain('vigil_http_requests_total');
      }
    });

    it('refuses an allowed address without the right bearer token: 401 with a challenge', async () => {
      for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`]) {
        const answer = await scrape('10.1.2.3', authorization);
        expect(answer.status).toBe(401);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="vigil-metrics"/);
        expect(answer.body).toMatchObject({ statusCode: 401, message: expect.stringMatching(/METRICS_TOKEN/) });
        expect(JSON.stringify(answer.body)).not.toContain('vigil_');
      }
    });

    it('refuses an address outside METRICS_ALLOWED_CIDRS even with the token: 403', async () => {
      for (const from of ['192.0.2.5', '11.0.0.1', '2001:db9::1']) {
        const answer = await scrape(from, `Bearer ${TOKEN}`);
        expect(answer.status).toBe(403);
        expect(answer.body).toMatchObject({
          statusCode: 403,
          message: 'metrics are not served to this client address',
        });
      }
    });

    it('leaves the other public routes open', async () => {
      expect(
        (await call(system.url, 'GET', '/health/live', { headers: { 'x-forwarded-for': '192.0.2.5' } })).status,
      ).toBe(200);
    });
  });

  describe('refused credentials per client address', () => {
    const FAILURES = 4;
    let system: TestHarness;
    let request: jest.Spied<VigilBusClient['request']>;
    let goodKey: string;

    beforeAll(async () => {
      // The test's connection plays one proxy, so X-Forwarded-For chooses each request's client address.
      system = await TestHarness.system({
        env: { TRUST_PROXY: '1', RATE_LIMIT_AUTH_FAILURES_PER_IP_PER_MIN: String(FAILURES) },
      });
      const admin = await login(system.url, system.admin.email, system.admin.password);
      goodKey = (await createApiKey(system.url, { bearer: admin.access_token }, 'good', ['alerts:read'])).key;
      const gateway = system.services.find((s) => s.service === 'gateway')!;
      request = jest.spyOn(gateway.app.get(VigilBusClient), 'request');
    }, 60_000);

    afterAll(async () => {
      request?.mockRestore();
      await system?.close();
    });

    let guesses = 0;
    /** A well-formed API key that does not exist, new each time (so no cache answers for it). */
    const bogusKey = (): string => `vgk_${(guesses++).toString(36).padStart(8, '0')}_${'x'.repeat(43)}`;
    const whoami = (from: string, auth: { apiKey: string } | { bearer: string }): Promise<Answer> =>
      call(system.url, 'GET', '/api/v1/auth/whoami', { auth, headers: { 'x-forwarded-for': from } });
    const keyLookups = (): number =>
      request.mock.calls.filter(([pattern]) => pattern === RpcPatterns.UserVerifyApiKey).length;

    it('answers 429 with Retry-After once an address has had its limit of unknown keys, without looking up more', async () => {
      request.mockClear();
      for (let i = 0; i < FAILURES; i++) {
        const answer = await whoami('198.51.100.20', { apiKey: bogusKey() });
        expect(answer.status).toBe(401);
      }
      expect(keyLookups()).toBe(FAILURES);
      for (let i = 0; i < 3; i++) {
        const answer = await whoami('198.51.100.20', { apiKey: bogusKey() });
        expect(answer.status).toBe(429);
        const retryAfter = Number(answer.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(answer.body).toMatchObject({
          statusCode: 429,
          message: expect.stringMatching(/too many refused credentials from this address/),
          retryAfterSeconds: retryAfter,
        });
      }
      expect(keyLookups()).toBe(FAILURES);
      // The address waits, whatever it presents.
      expect((await whoami('198.51.100.20', { apiKey: goodKey })).status).toBe(429);
      expect(keyLookups()).toBe(FAILURES);
    });

    it('leaves other addresses alone: their keys are looked up and work', async () => {
      request.mockClear();
      expect((await whoami('198.51.100.21', { apiKey: goodKey })).status).toBe(200);
      expect((await whoami('198.51.100.21', { apiKey: bogusKey() })).status).toBe(401);
      expect(keyLookups()).toBe(2);
    });

    it('counts forged access tokens too', async () => {
      for (let i = 0; i < FAILURES; i++)
        expect((await whoami('198.51.100.22', { bearer: `forged.token.${i}` })).status).toBe(401);
      expect((await whoami('198.51.100.22', { bearer: 'forged.token.again' })).status).toBe(429);
    });

    it('does not count requests that authenticate', async () => {
      for (let i = 0; i < FAILURES * 3; i++)
        expect((await whoami('198.51.100.23', { apiKey: goodKey })).status).toBe(200);
    });
  });
});
