// Silence regexes through the gateway: RE2 syntax only (422 naming the matcher otherwise), and a
// tenant's catastrophic-backtracking pattern, matched inside the ingest batch every tenant shares,
// does not hold up another tenant's alerts (the engine is linear-time; docs/access.md, "Silences").
import type { AlertView, Page, SilenceView } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  login,
  RELAXED_RATE_LIMITS,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Answer,
  type Auth,
  type TestTenant,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
/** `(a|a)*b` against 30 `a`s: 2^30 paths for a backtracking engine (minutes), one pass for RE2. */
const CATASTROPHIC = '(a|a)*b';
const STALLING_HOST = 'a'.repeat(30);

describe(`silence regular expressions through the gateway (${TEST_MODE})`, () => {
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  const api = <T = Record<string, unknown>>(method: string, path: string, auth?: Auth, body?: unknown) =>
    call<T>(system.url, method, path, { auth, body });
  const window = () => ({
    startsAt: new Date(Date.now() - 1_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
  });

  async function ok<T = Record<string, unknown>>(answer: Promise<Answer<T>>, status = 200): Promise<T> {
    const got = await answer;
    if (got.status !== status) throw new Error(`expected ${status}, got ${got.status}: ${JSON.stringify(got.body)}`);
    return got.body;
  }

  /** The tenant's alerts once there are `count` of them. */
  const stored = (tenant: TestTenant, count: number, timeoutMs?: number) =>
    waitFor(
      async () => {
        const page = await api<Page<AlertView>>('GET', '/api/v1/alerts?limit=200', {
          apiKey: tenant.keys['alerts:read']!.key,
        });
        return page.status === 200 && page.body.items.length === count ? page.body.items : undefined;
      },
      { what: `${count} alerts of ${tenant.slug} stored`, ...(timeoutMs ? { timeoutMs } : {}) },
    );

  beforeAll(async () => {
    system = await TestHarness.system({ env: { ...RELAXED_RATE_LIMITS } });
    const platform: Auth = {
      bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
    };
    [a, b] = await Promise.all([
      createTestTenant(system.url, platform, `regex-a-${RUN}`),
      createTestTenant(system.url, platform, `regex-b-${RUN}`),
    ]);
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  it('refuses patterns outside RE2 syntax with 422 naming the matcher, on create and change', async () => {
    const key = { apiKey: a.keys['alerts:write']!.key };
    const refused = async (body: unknown, method = 'POST', path = '/api/v1/silences') => {
      const answer = await api<{ statusCode: number; errors: string[] }>(method, path, key, body);
      expect(answer.status).toBe(422);
      return answer.body.errors;
    };
    expect(
      await refused({
        ...window(),
        matchers: [
          { name: 'team', op: '=', value: 'db' },
          { name: 'host', op: '=~', value: '(db)-\\1' },
          { name: 'env', op: '!~', value: '(?!prod).*' },
        ],
      }),
    ).toEqual([
      'matchers.1.value: invalid regular expression: backreferences (`\\1`) are not supported: RE2 syntax only',
      'matchers.2.value: invalid regular expression: lookahead and lookbehind (`(?!`) are not supported: RE2 syntax only',
    ]);
    expect(await refused({ ...window(), matchers: [{ name: 'host', op: '=~', value: '.{1000}' }] })).toEqual([
      'matchers.0.value: regular expression too large: it compiles to 1002 instructions, at most 1000 (counted repetitions such as {1,500} cost the most)',
    ]);
    const silence = await ok<SilenceView>(
      api('POST', '/api/v1/silences', key, { ...window(), matchers: [{ name: 'host', op: '=~', value: 'db-.*' }] }),
      201,
    );
    expect(
      await refused(
        { matchers: [{ name: 'host', op: '=~', value: '(?<=db)-1' }] },
        'PATCH',
        `/api/v1/silences/${silence.id}`,
      ),
    ).toEqual([
      'matchers.0.value: invalid regular expression: lookahead and lookbehind (`(?<=`) are not supported: RE2 syntax only',
    ]);
    expect(
      await ok<SilenceView>(api('GET', `/api/v1/silences/${silence.id}`, { apiKey: a.keys['alerts:read']!.key })),
    ).toMatchObject({
      matchers: [{ name: 'host', op: '=~', value: 'db-.*' }],
    });
    await ok(api('DELETE', `/api/v1/silences/${silence.id}`, key), 204);
  });

  it("does not let one tenant's catastrophic pattern stall another tenant's ingest", async () => {
    await ok<SilenceView>(
      api(
        'POST',
        '/api/v1/silences',
        { apiKey: a.keys['alerts:write']!.key },
        {
          ...window(),
          matchers: [{ name: 'host', op: '=~', value: CATASTROPHIC }],
          comment: 'catastrophic for a backtracking engine',
        },
      ),
      201,
    );
    const post = (tenant: TestTenant, alerts: { type: string; host: string }[]) =>
      ok<{ ids: string[] }>(
        api(
          'POST',
          '/api/v1/alerts',
          { apiKey: tenant.keys['alerts:write']!.key },
          alerts.map(({ type, host }) => ({ alert_type: type, runbook: 'rb', labels: { host } })),
        ),
        202,
      );
    // A's alerts go first, so B's are queued behind the ones that would stall a backtracking engine.
    await post(a, [
      { type: 'stalling', host: STALLING_HOST },
      { type: 'matching', host: `${STALLING_HOST}b` },
    ]);
    await Promise.all([
      post(
        b,
        Array.from({ length: 5 }, (_, i) => ({ type: `b-${i}`, host: STALLING_HOST })),
      ),
      post(a, [{ type: 'over-the-text-limit', host: `${'a'.repeat(2000)}b` }]),
    ]);

    // Generous for a loaded machine, and still far below what 2^30 backtracking steps take.
    const ofB = await stored(b, 5, 30_000);
    expect(ofB.map((x) => [x.alertType, x.silenced]).sort()).toEqual(
      Array.from({ length: 5 }, (_, i) => [`b-${i}`, false]),
    );
    const ofA = await stored(a, 3, 30_000);
    // RE2 semantics, anchored: 30 a's do not match `(a|a)*b`, 30 a's and a b do; a label value over
    // 1,024 characters is not matched against a regex at all, so that silence does not apply.
    expect(Object.fromEntries(ofA.map((x) => [x.alertType, x.silenced]))).toEqual({
      stalling: false,
      matching: true,
      'over-the-text-limit': false,
    });
  }, 120_000);
});
