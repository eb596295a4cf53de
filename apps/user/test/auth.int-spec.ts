import {
  RpcPatterns,
  type AuditEntryView,
  type CreatedUser,
  type Page,
  type PrincipalView,
  type TokenPair,
  type UserView,
} from '@vigil/contracts';
import { Transactions } from '@vigil/persistence';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { hashPassword } from '../src/auth/password.js';
import { UserEntity } from '../src/users/user.entity.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, claimsOf, userActor, startUserHarness, revocations } from './users.js';

const IP = '198.51.100.23';
/** Failed sign-ins from one address, over any emails, before that address is locked. */
const PER_IP_LIMIT = 6;

describe(`user service: sign-in (${TEST_MODE})`, () => {
  let h: TestHarness;
  const revocationEvents = () => revocations(h);
  let admin: UserView;
  const asAdmin = () => ({ tenantId: admin.tenantId, actor: userActor(admin.id, IP) });

  beforeAll(async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOGIN_MAX_FAILURES: '3',
      LOGIN_SLOWDOWN_AFTER: '3',
      LOGIN_LOCKOUT_SECONDS: '120',
      LOGIN_MAX_FAILURES_PER_IP: String(PER_IP_LIMIT),
    });
    await h.start();
    const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, {
      email: ADMIN_EMAIL,
      password: ADMIN_PASSWORD,
      ip: IP,
    });
    const claims = claimsOf(tokens);
    admin = await h.request<UserView>(
      RpcPatterns.UserMe,
      {},
      { tenantId: String(claims.tid), actor: userActor(String(claims.sub)) },
    );
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  async function newUser(email: string, password = 'meadow-copper-falcon-9'): Promise<CreatedUser> {
    return h.request<CreatedUser>(
      RpcPatterns.UserUsersCreate,
      { email, name: 'Test Person', role: 'operator', password },
      asAdmin(),
    );
  }

  it('signs in with email and password: a JWT access token and an opaque refresh token', async () => {
    const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, {
      email: ADMIN_EMAIL.toUpperCase(),
      password: ADMIN_PASSWORD,
      ip: IP,
    });
    expect(tokens).toEqual({
      access_token: expect.stringMatching(/^ey[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: expect.stringMatching(/^vgr_/),
      token_type: 'Bearer',
      expires_in: 900,
    });
    expect(claimsOf(tokens)).toMatchObject({
      sub: admin.id,
      tid: admin.tenantId,
      role: 'admin',
      pa: true,
      iss: 'vigil',
      aud: 'vigil-api',
    });
    expect(admin).toMatchObject({
      email: ADMIN_EMAIL,
      role: 'admin',
      active: true,
      platformAdmin: true,
      lastLoginAt: expect.any(String),
    });
  });

  it('refreshes by rotating the refresh token; logout revokes it', async () => {
    const first = await h.request<TokenPair>(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const second = await h.request<TokenPair>(RpcPatterns.UserRefresh, { refreshToken: first.refresh_token });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(claimsOf(second)).toMatchObject({ sub: admin.id, tid: admin.tenantId });
    await expect(h.request(RpcPatterns.UserLogout, { refreshToken: second.refresh_token }, asAdmin())).resolves.toEqual(
      { ok: true },
    );
    expect(await h.failure(RpcPatterns.UserRefresh, { refreshToken: second.refresh_token })).toMatchObject({
      status: 401,
    });
    // logging out twice, or with garbage, is harmless
    await expect(h.request(RpcPatterns.UserLogout, { refreshToken: second.refresh_token }, asAdmin())).resolves.toEqual(
      { ok: true },
    );
    expect(await h.failure(RpcPatterns.UserRefresh, { refreshToken: 'vgr_nonsense' })).toMatchObject({ status: 401 });
  });

  it('revokes the whole family when a rotated refresh token is used again, and audits it', async () => {
    const first = await h.request<TokenPair>(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const second = await h.request<TokenPair>(RpcPatterns.UserRefresh, { refreshToken: first.refresh_token });
    // the thief replays the old token: refused, and the legitimate successor dies with it
    expect(
      await h.failure(RpcPatterns.UserRefresh, { refreshToken: first.refresh_token, ip: '192.0.2.66' }),
    ).toMatchObject({ status: 401, message: 'refresh token is not valid; sign in again' });
    expect(await h.failure(RpcPatterns.UserRefresh, { refreshToken: second.refresh_token })).toMatchObject({
      status: 401,
    });
    const audit = await h.request<Page<AuditEntryView>>(
      RpcPatterns.UserAuditList,
      { action: 'auth.refresh.reused' },
      asAdmin(),
    );
    expect(audit.items[0]).toMatchObject({
      action: 'auth.refresh.reused',
      targetType: 'user',
      targetId: admin.id,
      ip: '192.0.2.66',
      details: { revoked: 'family' },
    });
  });

  it('answers an unknown email exactly like a wrong password, in similar time', async () => {
    await newUser('timing@example.com');
    const time = async (email: string) => {
      const started = performance.now();
      const failure = await h.failure(RpcPatterns.UserLogin, {
        email,
        password: 'not-the-password-at-all',
        ip: `10.0.0.${Math.floor(Math.random() * 200)}`,
      });
      return { failure, ms: performance.now() - started };
    };
    const wrong = [await time('timing@example.com'), await time('timing@example.com')];
    const unknown = [await time('nobody@example.com'), await time('nobody-else@example.com')];
    expect(unknown[0]!.failure).toEqual(wrong[0]!.failure);
    expect(wrong[0]!.failure).toEqual({
      status: 401,
      message: 'invalid email or password',
      details: expect.objectContaining({ message: 'invalid email or password' }),
    });
    // both pay for one scrypt verification: neither is an order of magnitude faster
    const fastestUnknown = Math.min(...unknown.map((t) => t.ms));
    const fastestWrong = Math.min(...wrong.map((t) => t.ms));
    expect(fastestUnknown).toBeGreaterThan(fastestWrong * 0.4);
    expect(fastestWrong).toBeGreaterThan(fastestUnknown * 0.4);
  });

  it('locks an email for the address that failed (429 with retry-after), even for the right password, and never says whether it exists', async () => {
    await newUser('locked@example.com', 'granite-willow-harbor-5');
    const attacker = '10.1.0.1';
    for (let i = 0; i < 3; i++) {
      expect(
        await h.failure(RpcPatterns.UserLogin, {
          email: 'locked@example.com',
          password: `wrong-password-${i}`,
          ip: attacker,
        }),
      ).toMatchObject({ status: 401 });
    }
    const locked = await h.failure(RpcPatterns.UserLogin, {
      email: 'locked@example.com',
      password: 'granite-willow-harbor-5',
      ip: attacker,
    });
    expect(locked).toMatchObject({ status: 429, details: { retryAfterSeconds: expect.any(Number) } });
    expect((locked.details as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(100);
    // the owner, from their own address, is not locked out by someone else's failures
    await expect(
      h.request(RpcPatterns.UserLogin, {
        email: 'locked@example.com',
        password: 'granite-willow-harbor-5',
        ip: '10.1.0.9',
      }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
    // an email without an account locks the same way
    for (let i = 0; i < 3; i++)
      await h.failure(RpcPatterns.UserLogin, {
        email: 'ghost@example.com',
        password: `wrong-password-${i}`,
        ip: '10.2.0.1',
      });
    const ghost = await h.failure(RpcPatterns.UserLogin, {
      email: 'ghost@example.com',
      password: 'whatever-password',
      ip: '10.2.0.1',
    });
    expect(ghost).toMatchObject({
      status: 429,
      message: locked.message.replace(
        /\d+ seconds/,
        `${(ghost.details as { retryAfterSeconds: number }).retryAfterSeconds} seconds`,
      ),
    });
    // other accounts are unaffected, from the same address too (below its own limit)
    await expect(
      h.request(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, ip: attacker }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  it('locks an address that fails across many emails at LOGIN_MAX_FAILURES_PER_IP, and only that address', async () => {
    const sprayer = '10.3.0.1';
    for (let i = 0; i < PER_IP_LIMIT; i++)
      expect(
        await h.failure(RpcPatterns.UserLogin, {
          email: `spray-${i}@example.com`,
          password: 'password-guess-1',
          ip: sprayer,
        }),
      ).toMatchObject({ status: 401 });
    expect(
      await h.failure(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, ip: sprayer }),
    ).toMatchObject({ status: 429, details: { retryAfterSeconds: expect.any(Number) } });
    await expect(
      h.request(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, ip: '10.3.0.2' }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  it('re-hashes a password stored with older scrypt parameters at its next sign-in', async () => {
    const password = 'lichen-harbour-quartz-8';
    const user = await newUser('rehash@example.com', password);
    const db = h.service.app.get(Transactions);
    const storedHash = () =>
      db.inTenant(
        user.tenantId,
        async ({ manager }) =>
          (await manager.getRepository(UserEntity).findOneByOrFail({ id: user.id, tenantId: user.tenantId }))
            .passwordHash!,
      );
    expect(await storedHash()).toMatch(/^scrypt\$ln=17,r=8,p=1\$/);
    // what an account created before N = 2^17 holds
    const old = await hashPassword(password, { ln: 15, r: 8, p: 1 });
    await db.inTenant(user.tenantId, ({ manager }) =>
      manager.getRepository(UserEntity).update({ id: user.id, tenantId: user.tenantId }, { passwordHash: old }),
    );
    const signIn = () => h.request<TokenPair>(RpcPatterns.UserLogin, { email: 'rehash@example.com', password, ip: IP });
    await expect(signIn()).resolves.toMatchObject({ token_type: 'Bearer' });
    const rehashed = await storedHash();
    expect(rehashed).toMatch(/^scrypt\$ln=17,r=8,p=1\$/);
    expect(rehashed).not.toBe(old);
    await expect(signIn()).resolves.toMatchObject({ token_type: 'Bearer' });
    expect(await storedHash()).toBe(rehashed);
  });

  it('records sign-ins and failed sign-ins in the audit log with the client address', async () => {
    await newUser('audited@example.com', 'sparrow-tunnel-orchid-3');
    await h.failure(RpcPatterns.UserLogin, {
      email: 'audited@example.com',
      password: 'wrong-one-entirely',
      ip: '192.0.2.10',
    });
    const user = (await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { limit: 200 }, asAdmin())).items.find(
      (u) => u.email === 'audited@example.com',
    )!;
    await h.request(RpcPatterns.UserLogin, {
      email: 'audited@example.com',
      password: 'sparrow-tunnel-orchid-3',
      ip: '192.0.2.11',
    });
    const audit = await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { targetId: user.id }, asAdmin());
    expect(audit.items.map((e) => [e.action, e.ip, e.actorType])).toEqual([
      ['auth.login', '192.0.2.11', 'user'],
      ['auth.login.failed', '192.0.2.10', 'anonymous'],
      ['user.created', IP, 'user'],
    ]);
  });

  it('answers me and principal, and refuses a deactivated user everywhere (revocation published)', async () => {
    const created = await newUser('leaver@example.com', 'lichen-cobalt-meadow-8');
    const tokens = await h.request<TokenPair>(RpcPatterns.UserLogin, {
      email: 'leaver@example.com',
      password: 'lichen-cobalt-meadow-8',
    });
    const me = await h.request<UserView>(
      RpcPatterns.UserMe,
      {},
      { tenantId: admin.tenantId, actor: userActor(created.id) },
    );
    expect(me).toMatchObject({ id: created.id, email: 'leaver@example.com', role: 'operator' });
    expect(await h.request<PrincipalView>(RpcPatterns.UserPrincipal, { userId: created.id })).toEqual({
      userId: created.id,
      tenantId: admin.tenantId,
      role: 'operator',
      active: true,
      platformAdmin: false,
    });

    await h.request(RpcPatterns.UserUsersDeactivate, { id: created.id }, asAdmin());
    expect(await h.request<PrincipalView>(RpcPatterns.UserPrincipal, { userId: created.id })).toMatchObject({
      active: false,
    });
    expect(
      await h.failure(RpcPatterns.UserLogin, { email: 'leaver@example.com', password: 'lichen-cobalt-meadow-8' }),
    ).toMatchObject({ status: 401, message: 'invalid email or password' });
    expect(await h.failure(RpcPatterns.UserRefresh, { refreshToken: tokens.refresh_token })).toMatchObject({
      status: 401,
    });
    expect(
      await h.failure(RpcPatterns.UserMe, {}, { tenantId: admin.tenantId, actor: userActor(created.id) }),
    ).toMatchObject({ status: 401 });
    await waitFor(() => revocationEvents().some((e) => e.payload.id === created.id), {
      what: 'the revocation event',
    });
    expect(revocationEvents().find((e) => e.payload.id === created.id)).toMatchObject({
      type: 'auth.credential.revoked',
      tenantId: admin.tenantId,
      payload: { kind: 'user', id: created.id },
      actor: { kind: 'user', id: admin.id },
    });
    expect(
      await h.failure(RpcPatterns.UserPrincipal, { userId: '0195f7a0-0000-7000-8000-000000000000' }),
    ).toMatchObject({ status: 404 });
  });

  it('invites a user without a password; the one-time token sets it (policy enforced) and signs in', async () => {
    const invited = await h.request<CreatedUser>(
      RpcPatterns.UserUsersCreate,
      { email: 'new@example.com', name: 'New Person', role: 'viewer' },
      asAdmin(),
    );
    expect(invited).toMatchObject({
      email: 'new@example.com',
      invitationToken: expect.stringMatching(/^vgi_/),
      invitationExpiresAt: expect.any(String),
    });
    expect(
      await h.failure(RpcPatterns.UserLogin, { email: 'new@example.com', password: 'anything-at-all-1' }),
    ).toMatchObject({ status: 401 });

    const weak = await h.failure(RpcPatterns.UserAcceptInvitation, {
      token: invited.invitationToken,
      password: 'password123',
    });
    expect(weak.status).toBe(422);
    expect(weak.message).toMatch(/^password: must be at least 12 characters/);
    expect(weak.details).toMatchObject({
      field: 'password',
      problems: expect.arrayContaining(['is shorter than 12 characters']),
    });

    const tokens = await h.request<TokenPair>(RpcPatterns.UserAcceptInvitation, {
      token: invited.invitationToken,
      password: 'harbor-quartz-ember-11',
    });
    expect(claimsOf(tokens)).toMatchObject({ sub: invited.id, role: 'viewer' });
    expect(
      await h.failure(RpcPatterns.UserAcceptInvitation, {
        token: invited.invitationToken,
        password: 'another-secret-phrase-7',
      }),
    ).toMatchObject({ status: 401 });
    await expect(
      h.request(RpcPatterns.UserLogin, { email: 'new@example.com', password: 'harbor-quartz-ember-11' }),
    ).resolves.toMatchObject({ token_type: 'Bearer' });
  });

  it('refuses malformed input at the bus, naming the field', async () => {
    expect(await h.failure(RpcPatterns.UserLogin, { email: 'not-an-email', password: 'x' })).toMatchObject({
      status: 400,
      message: expect.stringContaining('payload.email'),
    });
    expect(
      await h.failure(RpcPatterns.UserUsersCreate, { email: 'a@example.com', name: 'A', role: 'superuser' }, asAdmin()),
    ).toMatchObject({
      status: 400,
      message: expect.stringContaining('role must be one of admin, manager, operator, viewer'),
    });
  });
});
