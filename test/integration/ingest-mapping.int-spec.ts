// The generic webhook's stored per-tenant mapping, end to end: a manager stores it, a monitoring
// tool's `alerts:write` key posts with it, a query parameter overrides one path, another tenant does
// not see it, and only managers and admins may change it (paths checked with the receiver's parser).
import { alertIdOf, type AlertWithTimeline, type WebhookMappingView } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  login,
  TEST_MODE,
  TestHarness,
  waitFor,
  type Auth,
  type TestTenant,
  RELAXED_RATE_LIMITS,
} from '@vigil/testing';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const MAPPING_PATH = '/api/v1/webhooks/generic/mapping';

describe(`stored generic-webhook mapping (${TEST_MODE})`, () => {
  let system: TestHarness;
  let a: TestTenant;
  let b: TestTenant;
  const api = <T = Record<string, unknown>>(method: string, path: string, auth?: Auth, body?: unknown) =>
    call<T>(system.url, method, path, { auth, body });
  const writerOf = (t: TestTenant): Auth => ({ apiKey: t.keys['alerts:write']!.key });
  const readerOf = (t: TestTenant): Auth => ({ apiKey: t.keys['alerts:read']!.key });

  /** The alert as the alert service stored it, once it has. */
  const stored = (t: TestTenant, id: string) =>
    waitFor(
      async () => {
        const answer = await api<AlertWithTimeline>('GET', `/api/v1/alerts/${id}`, readerOf(t));
        return answer.status === 200 ? answer.body : undefined;
      },
      { what: `alert ${id} stored` },
    );

  /** A check result as some in-house tool sends it: nothing where Vigil looks by default. */
  const check = (key: string) => ({
    check: { name: 'Backups', level: 'CRITICAL', key, alt_level: 'low' },
    owner: { team: 'data' },
    doc: 'https://wiki.example.com/backups',
  });

  beforeAll(async () => {
    system = await TestHarness.system({
      env: {
        ...RELAXED_RATE_LIMITS,
      },
    });
    const platform = { bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token };
    [a, b] = await Promise.all([
      createTestTenant(system.url, platform, `mapping-a-${RUN}`),
      createTestTenant(system.url, platform, `mapping-b-${RUN}`),
    ]);
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  it('starts with no stored mapping', async () => {
    const answer = await api<WebhookMappingView>('GET', MAPPING_PATH, a.users.manager.auth);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ source: 'generic', mapping: null, updatedAt: null, updatedBy: null });
  });

  it("maps every generic webhook of the tenant with the manager's stored mapping; a query parameter overrides one path", async () => {
    // Before: the defaults find no alert type in this body (and that refusal reads the mapping into the cache).
    expect((await api('POST', '/api/v1/webhooks/generic', writerOf(a), check('before'))).status).toBe(422);

    const mapping = {
      type: '$.check.name',
      severity: 'check.level',
      fingerprint: 'check.key',
      labels: 'owner',
      runbook: 'doc',
    };
    const put = await api<WebhookMappingView>('PUT', MAPPING_PATH, a.users.manager.auth, mapping);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      source: 'generic',
      mapping,
      updatedAt: expect.any(String),
      updatedBy: a.users.manager.id,
    });
    expect((await api<WebhookMappingView>('GET', MAPPING_PATH, a.users.admin.auth)).body).toEqual(put.body);
    expect((await api<WebhookMappingView>('GET', MAPPING_PATH, { apiKey: a.keys['admin']!.key })).body).toEqual(
      put.body,
    );

    // Right away (the PUT evicted this gateway's cached mapping), with an alerts:write key.
    const fingerprint = `bk-${RUN}`;
    const sent = await api<{ ids: string[] }>('POST', '/api/v1/webhooks/generic', writerOf(a), check(fingerprint));
    expect(sent.status).toBe(202);
    expect(sent.body.ids).toEqual([alertIdOf(a.id, fingerprint)]);
    expect(await stored(a, sent.body.ids[0]!)).toMatchObject({
      source: 'generic',
      alertType: 'Backups',
      severity: 'critical',
      fingerprint,
      labels: { team: 'data' },
      runbook: 'https://wiki.example.com/backups',
      data: check(fingerprint),
    });

    const overridden = await api<{ ids: string[] }>(
      'POST',
      '/api/v1/webhooks/generic?severity=check.alt_level',
      writerOf(a),
      check(`${fingerprint}-low`),
    );
    expect(overridden.status).toBe(202);
    expect(await stored(a, overridden.body.ids[0]!)).toMatchObject({
      alertType: 'Backups',
      severity: 'low',
      fingerprint: `${fingerprint}-low`,
      labels: { team: 'data' },
    });
  });

  it("does not use one tenant's mapping for another tenant's webhooks", async () => {
    expect((await api<WebhookMappingView>('GET', MAPPING_PATH, b.users.manager.auth)).body.mapping).toBeNull();
    const refused = await api('POST', '/api/v1/webhooks/generic', writerOf(b), check(`other-${RUN}`));
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/type: the path "alert_type" resolves to nothing/);
    // Its own query paths still work.
    const own = await api<{ ids: string[] }>(
      'POST',
      '/api/v1/webhooks/generic?type=check.name&fingerprint=check.key',
      writerOf(b),
      check(`other-${RUN}`),
    );
    expect(own.status).toBe(202);
    expect(await stored(b, own.body.ids[0]!)).toMatchObject({
      alertType: 'Backups',
      severity: 'warning',
      fingerprint: `other-${RUN}`,
    });
  });

  it('lets managers and admins change it, not operators, viewers or alerts:write keys', async () => {
    const mapping = { type: 'check.name' };
    for (const auth of [a.users.viewer.auth, a.users.operator.auth, writerOf(a)]) {
      const answer = await api('PUT', MAPPING_PATH, auth, mapping);
      expect(answer.status).toBe(403);
      expect(answer.body.message).toMatch(/needs the role|lacks the scope/);
    }
    expect((await api('GET', MAPPING_PATH, a.users.viewer.auth)).status).toBe(403);
    expect((await api<WebhookMappingView>('GET', MAPPING_PATH, a.users.manager.auth)).body.mapping).toMatchObject({
      type: '$.check.name',
      severity: 'check.level',
    });
  });

  it('refuses a path the receiver could not read with 422 naming it, and keeps the stored mapping', async () => {
    const before = (await api<WebhookMappingView>('GET', MAPPING_PATH, a.users.manager.auth)).body;
    const bad = await api<{ message: string; errors: string[] }>('PUT', MAPPING_PATH, a.users.admin.auth, {
      type: 'check.name',
      severity: 'check[level',
      runbook: 'a..b',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      'severity: the path "check[level" has an unclosed "[" at 5',
      'runbook: the path "a..b" has an empty field name at 2',
    ]);
    expect(bad.body.message).toMatch(/^invalid mapping: severity: the path "check\[level"/);
    const unknown = await api<{ message: string }>('PUT', MAPPING_PATH, a.users.admin.auth, { typ: 'check.name' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.message).toMatch(/typ/);
    const tooLong = await api<{ message: string }>('PUT', MAPPING_PATH, a.users.admin.auth, { type: 'x'.repeat(257) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.message).toMatch(/^invalid request: type: /);
    expect((await api<WebhookMappingView>('GET', MAPPING_PATH, a.users.manager.auth)).body).toEqual(before);
  });

  it('goes back to the defaults when an empty mapping is stored', async () => {
    const put = await api<WebhookMappingView>('PUT', MAPPING_PATH, a.users.admin.auth, {});
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mapping: {}, updatedBy: a.users.admin.id });
    expect((await api('POST', '/api/v1/webhooks/generic', writerOf(a), check(`reset-${RUN}`))).status).toBe(422);
  });
});
