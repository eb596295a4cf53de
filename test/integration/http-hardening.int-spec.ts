// The gateway's HTTP surface beyond the access table: security headers on every answer.
import { call, TEST_MODE, TestHarness } from '@vigil/testing';

describe(`the gateway's HTTP hardening (${TEST_MODE})`, () => {
  describe('security headers', () => {
    let system: TestHarness;

    beforeAll(async () => {
      system = await TestHarness.system();
    }, 60_000);

    afterAll(async () => {
      await system?.close();
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
});
