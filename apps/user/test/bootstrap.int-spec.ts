import { jest } from '@jest/globals';
import { RpcPatterns, type Page, type TenantView, type TokenPair } from '@vigil/contracts';
import { TenantEntity } from '../src/tenants/tenant.entity.js';
import { UserEntity } from '../src/users/user.entity.js';
import { TEST_MODE, TestHarness } from '@vigil/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, claimsOf, userActor, startUserHarness } from './users.js';

async function counts(h: TestHarness): Promise<{ tenants: number; users: number }> {
  const dataSource = h.dataSource();
  return {
    tenants: await dataSource.getRepository(TenantEntity).count(),
    users: await dataSource.getRepository(UserEntity).count(),
  };
}

describe(`user service: first start (${TEST_MODE})`, () => {
  let h: TestHarness | undefined;
  let written: string[] = [];
  let restoreStderr: () => void;

  beforeEach(() => {
    written = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    restoreStderr = () => spy.mockRestore();
  });
  afterEach(async () => {
    restoreStderr();
    await h?.close();
    h = undefined;
  });

  const printed = () => written.join('');

  it('creates the default tenant and its platform admin from VIGIL_ADMIN_*, once: a restart changes nothing', async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VIGIL_DEFAULT_TENANT: 'main-org',
    });
    const first = await h.start();
    const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const claims = claimsOf(tokens);
    expect(claims).toMatchObject({ role: 'admin', pa: true });
    const tenants = await h.request<Page<TenantView>>(
      RpcPatterns.UserTenantsList,
      {},
      { tenantId: String(claims.tid), actor: userActor(String(claims.sub)) },
    );
    expect(tenants.items).toEqual([expect.objectContaining({ slug: 'main-org', id: claims.tid })]);
    expect(printed()).not.toContain('password');

    await h.stop(first);
    await h.start();
    expect(await counts(h)).toEqual({ tenants: 1, users: 1 });
    await expect(
      h.request(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
  }, 60_000);

  it('refuses to start with a weak VIGIL_ADMIN_PASSWORD, naming it', async () => {
    h = await startUserHarness({ VIGIL_ADMIN_EMAIL: ADMIN_EMAIL, VIGIL_ADMIN_PASSWORD: 'admin123' });
    await expect(h.start()).rejects.toThrow(/VIGIL_ADMIN_PASSWORD is shorter than 12 characters/);
  }, 60_000);

  // Both modes: `docker compose up` must leave a newcomer an admin to sign in with, as standalone does.
  it('without a password: generates one and prints it once on stderr with the email', async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: undefined,
      VIGIL_ADMIN_PASSWORD: undefined,
      VIGIL_PLATFORM_ADMIN: undefined,
    });
    const first = await h.start();
    const match = /Vigil admin account created: (\S+)\s+password: (\S+)/.exec(printed());
    expect(match?.[1]).toBe('admin@vigil.local');
    const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, { email: match![1], password: match![2] });
    expect(claimsOf(tokens)).toMatchObject({ role: 'admin', pa: true });
    expect(JSON.stringify(h.logs)).not.toContain(match![2]);

    written = [];
    await h.stop(first);
    await h.start();
    expect(printed()).not.toContain('Vigil admin account created');
    expect(await counts(h)).toEqual({ tenants: 1, users: 1 });
  }, 60_000);

  if (TEST_MODE === 'distributed') {
    it('replicas starting at the same time on an empty store create one tenant and one admin', async () => {
      h = await startUserHarness({
        VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
        VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
        VIGIL_PLATFORM_ADMIN: 'false',
      });
      await Promise.all([h.start(), h.start(), h.start()]);
      expect(await counts(h)).toEqual({ tenants: 1, users: 1 });
      const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, {
        email: ADMIN_EMAIL,
        password: ADMIN_PASSWORD,
      });
      expect(claimsOf(tokens)).toMatchObject({ role: 'admin', pa: false });
    }, 60_000);

    it('replicas starting together without a password: one admin, its password printed once', async () => {
      h = await startUserHarness({ VIGIL_ADMIN_EMAIL: undefined, VIGIL_ADMIN_PASSWORD: undefined });
      await Promise.all([h.start(), h.start(), h.start()]);
      expect(await counts(h)).toEqual({ tenants: 1, users: 1 });
      expect(printed().match(/Vigil admin account created/g)).toHaveLength(1);
      const match = /Vigil admin account created: (\S+)\s+password: (\S+)/.exec(printed());
      const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, { email: match![1], password: match![2] });
      expect(claimsOf(tokens)).toMatchObject({ role: 'admin' });
    }, 60_000);
  }
});
