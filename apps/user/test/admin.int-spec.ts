import {
  RpcPatterns,
  type ApiKeyPrincipal,
  type ApiKeyView,
  type AuditEntryView,
  type CreatedApiKey,
  type CreatedUser,
  type Page,
  type TeamView,
  type TenantView,
  type TokenPair,
  type UserView,
} from '@vigil/contracts';
import { TEST_MODE, TestHarness, waitFor, type RequestCall as Call } from '@vigil/testing';
import { ADMIN_EMAIL, ADMIN_PASSWORD, claimsOf, userActor, startUserHarness, revocations } from './users.js';

describe(`user service: administration and tenant isolation (${TEST_MODE})`, () => {
  let h: TestHarness;
  const revocationEvents = () => revocations(h);
  let root: Call; // the platform admin of the default tenant
  let a: Call; // admin of tenant A
  let b: Call; // admin of tenant B
  let tenantA: TenantView;
  let tenantB: TenantView;

  async function signIn(email: string, password: string, tenant?: string): Promise<Call> {
    const claims = claimsOf(
      await h.request<TokenPair>(RpcPatterns.UserLogin, { email, password, ...(tenant ? { tenant } : {}) }),
    );
    return { tenantId: String(claims.tid), actor: userActor(String(claims.sub)) };
  }

  beforeAll(async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      API_KEY_LAST_USED_INTERVAL_SECONDS: '60',
    });
    await h.start();
    root = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
    tenantA = await h.request<TenantView>(
      RpcPatterns.UserTenantsCreate,
      { name: 'Acme Corp', admin: { email: 'ops@acme.test', password: 'rocket-sunrise-gravel-1', name: 'Acme Ops' } },
      root,
    );
    tenantB = await h.request<TenantView>(
      RpcPatterns.UserTenantsCreate,
      {
        name: 'Bolt',
        slug: 'bolt-io',
        admin: { email: 'ops@bolt.test', password: 'thunder-meadow-quill-2', name: 'Bolt Ops' },
      },
      root,
    );
    a = await signIn('ops@acme.test', 'rocket-sunrise-gravel-1');
    b = await signIn('ops@bolt.test', 'thunder-meadow-quill-2');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  describe('tenants', () => {
    it('are created by a platform admin, with their first admin, and slugs are unique', async () => {
      expect(tenantA).toEqual({
        id: expect.any(String),
        name: 'Acme Corp',
        slug: 'acme-corp',
        createdAt: expect.any(String),
      });
      expect(tenantB.slug).toBe('bolt-io');
      expect(a.tenantId).toBe(tenantA.id);
      expect(
        await h.failure(
          RpcPatterns.UserTenantsCreate,
          { name: 'Acme Corp', admin: { email: 'x@acme.test', password: 'rocket-sunrise-gravel-1', name: 'X' } },
          root,
        ),
      ).toMatchObject({ status: 409, message: expect.stringMatching(/^slug:/) });
      expect(
        await h.failure(
          RpcPatterns.UserTenantsCreate,
          { name: 'Weak', admin: { email: 'x@weak.test', password: 'short', name: 'X' } },
          root,
        ),
      ).toMatchObject({ status: 422, message: expect.stringMatching(/^admin\.password: must be/) });
    });

    it('refuses tenant creation to anyone but a platform admin, whatever the gateway let through', async () => {
      expect(
        await h.failure(
          RpcPatterns.UserTenantsCreate,
          { name: 'Rogue', admin: { email: 'r@rogue.test', password: 'rogue-ember-window-3', name: 'R' } },
          a,
        ),
      ).toMatchObject({ status: 403 });
      expect(
        await h.failure(
          RpcPatterns.UserTenantsCreate,
          { name: 'Rogue', admin: { email: 'r@rogue.test', password: 'rogue-ember-window-3', name: 'R' } },
          { tenantId: a.tenantId, actor: { kind: 'api-key', id: 'whatever' } },
        ),
      ).toMatchObject({ status: 403 });
      // a platform admin's id presented with another tenant is not a platform admin
      expect(
        await h.failure(
          RpcPatterns.UserTenantsCreate,
          { name: 'Rogue', admin: { email: 'r@rogue.test', password: 'rogue-ember-window-3', name: 'R' } },
          { ...root, tenantId: b.tenantId },
        ),
      ).toMatchObject({ status: 403 });
    });

    it('lists every tenant to a platform admin, only its own to anyone else', async () => {
      const all = await h.request<Page<TenantView>>(RpcPatterns.UserTenantsList, {}, root);
      expect(all.items.map((t) => t.slug)).toEqual(['default', 'acme-corp', 'bolt-io']);
      expect((await h.request<Page<TenantView>>(RpcPatterns.UserTenantsList, {}, b)).items.map((t) => t.slug)).toEqual([
        'bolt-io',
      ]);
    });
  });

  describe('users', () => {
    it('keeps emails unique per tenant: 409 in the same tenant, allowed in another', async () => {
      const created = await h.request<CreatedUser>(
        RpcPatterns.UserUsersCreate,
        { email: 'Shared@Example.com', name: 'Sam A', role: 'manager', password: 'copper-kettle-orbit-4' },
        a,
      );
      expect(created).toMatchObject({
        tenantId: tenantA.id,
        email: 'shared@example.com',
        role: 'manager',
        teamId: null,
        active: true,
        platformAdmin: false,
        invitationToken: null,
      });
      const dup = await h.failure(
        RpcPatterns.UserUsersCreate,
        { email: 'shared@example.com', name: 'Sam again', role: 'viewer', password: 'copper-kettle-orbit-4' },
        a,
      );
      expect(dup).toMatchObject({
        status: 409,
        message: 'email: a user with this email already exists in this tenant',
      });
      await expect(
        h.request<CreatedUser>(
          RpcPatterns.UserUsersCreate,
          { email: 'shared@example.com', name: 'Sam B', role: 'viewer', password: 'velvet-canyon-drift-5' },
          b,
        ),
      ).resolves.toMatchObject({ tenantId: tenantB.id });
    });

    it('asks for the tenant when one email and password open accounts in several tenants', async () => {
      await h.request(
        RpcPatterns.UserUsersCreate,
        { email: 'twin@example.com', name: 'Twin A', role: 'viewer', password: 'same-secret-in-both-6' },
        a,
      );
      await h.request(
        RpcPatterns.UserUsersCreate,
        { email: 'twin@example.com', name: 'Twin B', role: 'viewer', password: 'same-secret-in-both-6' },
        b,
      );
      const ambiguous = await h.failure(RpcPatterns.UserLogin, {
        email: 'twin@example.com',
        password: 'same-secret-in-both-6',
      });
      expect(ambiguous).toMatchObject({ status: 409, details: { field: 'tenant', tenants: ['acme-corp', 'bolt-io'] } });
      const inB = await signIn('twin@example.com', 'same-secret-in-both-6', 'bolt-io');
      expect(inB.tenantId).toBe(tenantB.id);
      // a wrong tenant slug is just a failed sign-in
      expect(
        await h.failure(RpcPatterns.UserLogin, {
          email: 'twin@example.com',
          password: 'same-secret-in-both-6',
          tenant: 'nope',
        }),
      ).toMatchObject({ status: 401, message: 'invalid email or password' });
    });

    it('lists with pagination, gets, updates (role, team, name) and refuses to drop the last admin', async () => {
      const team = await h.request<TeamView>(RpcPatterns.UserTeamsCreate, { name: 'SRE', description: 'on call' }, a);
      const user = await h.request<CreatedUser>(
        RpcPatterns.UserUsersCreate,
        { email: 'pat@acme.test', name: 'Pat', role: 'viewer', teamId: team.id, password: 'lagoon-marble-sprint-7' },
        a,
      );
      expect(user.teamId).toBe(team.id);
      const updated = await h.request<UserView>(
        RpcPatterns.UserUsersUpdate,
        { id: user.id, name: 'Pat Q', role: 'operator', teamId: null },
        a,
      );
      expect(updated).toMatchObject({ name: 'Pat Q', role: 'operator', teamId: null });
      expect(await h.request<UserView>(RpcPatterns.UserUsersGet, { id: user.id }, a)).toEqual(updated);

      const first = await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { limit: 2 }, a);
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = await h.request<Page<UserView>>(
        RpcPatterns.UserUsersList,
        { limit: 200, cursor: first.nextCursor },
        a,
      );
      expect(rest.nextCursor).toBeNull();
      const all = [...first.items, ...rest.items];
      expect(new Set(all.map((u) => u.id)).size).toBe(all.length);
      expect(all.every((u) => u.tenantId === tenantA.id)).toBe(true);
      expect(await h.failure(RpcPatterns.UserUsersList, { cursor: 'garbage' }, a)).toMatchObject({
        status: 422,
        message: expect.stringMatching(/^cursor:/),
      });

      const self = a.actor!.id;
      expect(await h.failure(RpcPatterns.UserUsersUpdate, { id: self, role: 'viewer' }, a)).toMatchObject({
        status: 409,
        message: expect.stringMatching(/at least one active admin/),
      });
      expect(await h.failure(RpcPatterns.UserUsersDeactivate, { id: self }, a)).toMatchObject({ status: 409 });
    });

    it("finds one user by email (any case), only in the caller's tenant; a malformed email is refused naming it", async () => {
      const created = await h.request<CreatedUser>(
        RpcPatterns.UserUsersCreate,
        { email: 'finder@acme.test', name: 'Finder', role: 'viewer', password: 'harbour-violet-anchor-5' },
        a,
      );
      const found = await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { email: 'Finder@ACME.test' }, a);
      expect(found.items.map((u) => u.id)).toEqual([created.id]);
      expect(found.nextCursor).toBeNull();
      // Tenant B asks for tenant A's user: nothing, exactly as for an unknown email.
      expect(
        (await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { email: 'finder@acme.test' }, b)).items,
      ).toEqual([]);
      expect(
        (await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { email: 'nobody@acme.test' }, a)).items,
      ).toEqual([]);
      // The contract refuses it at the bus (the gateway answers 422 before it gets here).
      expect(await h.failure(RpcPatterns.UserUsersList, { email: 'not-an-email' }, a)).toMatchObject({
        status: 400,
        message: expect.stringMatching(/email must be an email address/),
      });
    });

    it('refuses a team of another tenant (422 naming teamId) and a weak password (422 naming password)', async () => {
      const teamOfB = await h.request<TeamView>(RpcPatterns.UserTeamsCreate, { name: 'B team' }, b);
      expect(
        await h.failure(
          RpcPatterns.UserUsersCreate,
          { email: 'x@acme.test', name: 'X', role: 'viewer', teamId: teamOfB.id },
          a,
        ),
      ).toMatchObject({ status: 422, message: expect.stringMatching(/^teamId: no team/) });
      const weak = await h.failure(
        RpcPatterns.UserUsersCreate,
        { email: 'y@acme.test', name: 'Yolanda', role: 'viewer', password: 'yolanda12345' },
        a,
      );
      expect(weak).toMatchObject({
        status: 422,
        details: { field: 'password', problems: ['contains your email name or your name'] },
      });
    });
  });

  describe('teams', () => {
    it('are created, listed, renamed (unique per tenant) and deleted, leaving members without a team', async () => {
      const ops = await h.request<TeamView>(RpcPatterns.UserTeamsCreate, { name: 'Ops' }, a);
      expect(ops).toEqual({ id: expect.any(String), name: 'Ops', description: null, createdAt: expect.any(String) });
      expect(await h.failure(RpcPatterns.UserTeamsCreate, { name: 'Ops' }, a)).toMatchObject({
        status: 409,
        message: expect.stringMatching(/^name:/),
      });
      await expect(h.request(RpcPatterns.UserTeamsCreate, { name: 'Ops' }, b)).resolves.toMatchObject({ name: 'Ops' });
      const member = await h.request<CreatedUser>(
        RpcPatterns.UserUsersCreate,
        { email: 'member@acme.test', name: 'Mem', role: 'viewer', teamId: ops.id },
        a,
      );
      expect(
        await h.request<TeamView>(
          RpcPatterns.UserTeamsUpdate,
          { id: ops.id, name: 'Operations', description: 'runs things' },
          a,
        ),
      ).toMatchObject({ name: 'Operations', description: 'runs things' });
      expect(await h.failure(RpcPatterns.UserTeamsUpdate, { id: ops.id, name: 'SRE' }, a)).toMatchObject({
        status: 409,
      });
      expect((await h.request<Page<TeamView>>(RpcPatterns.UserTeamsList, {}, a)).items.map((t) => t.name)).toEqual(
        expect.arrayContaining(['Operations', 'SRE']),
      );
      await expect(h.request(RpcPatterns.UserTeamsDelete, { id: ops.id }, a)).resolves.toEqual({ ok: true });
      expect(await h.failure(RpcPatterns.UserTeamsGet, { id: ops.id }, a)).toMatchObject({ status: 404 });
      expect(await h.request<UserView>(RpcPatterns.UserUsersGet, { id: member.id }, a)).toMatchObject({ teamId: null });
    });
  });

  describe('API keys', () => {
    it('are shown once at creation, verify to their tenant and scopes, record last use, and stop working when revoked (event published)', async () => {
      const created = await h.request<CreatedApiKey>(
        RpcPatterns.UserApiKeysCreate,
        { name: 'alertmanager', scopes: ['alerts:write', 'alerts:read'] },
        a,
      );
      expect(created).toEqual({
        id: expect.any(String),
        key: expect.stringMatching(/^vgk_[a-z0-9]{8}_[\w-]{43}$/),
        prefix: created.key.slice(4, 12),
        name: 'alertmanager',
        scopes: ['alerts:write', 'alerts:read'],
      });
      expect(await h.request<ApiKeyPrincipal>(RpcPatterns.UserVerifyApiKey, { key: created.key })).toEqual({
        keyId: created.id,
        tenantId: tenantA.id,
        name: 'alertmanager',
        scopes: ['alerts:write', 'alerts:read'],
      });
      for (let i = 0; i < 5; i++) await h.request(RpcPatterns.UserVerifyApiKey, { key: created.key });

      expect(
        await h.failure(RpcPatterns.UserVerifyApiKey, {
          key: created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A'),
        }),
      ).toMatchObject({ status: 401, message: 'API key is not valid' });
      expect(await h.failure(RpcPatterns.UserVerifyApiKey, { key: 'vgk_zzzzzzzz_' + 'a'.repeat(43) })).toMatchObject({
        status: 401,
        message: 'API key is not valid',
      });
      expect(await h.failure(RpcPatterns.UserVerifyApiKey, { key: 'hello' })).toMatchObject({ status: 401 });

      await waitFor(
        async () =>
          (await h.request<Page<ApiKeyView>>(RpcPatterns.UserApiKeysList, {}, a)).items.some(
            (k) => k.id === created.id && k.lastUsedAt !== null,
          ),
        { what: 'lastUsedAt to be written' },
      );
      const listed = (await h.request<Page<ApiKeyView>>(RpcPatterns.UserApiKeysList, {}, a)).items.find(
        (k) => k.id === created.id,
      )!;
      expect(listed).toEqual({
        id: created.id,
        name: 'alertmanager',
        prefix: created.prefix,
        scopes: ['alerts:write', 'alerts:read'],
        createdAt: expect.any(String),
        lastUsedAt: expect.any(String),
        revokedAt: null,
      });
      expect(JSON.stringify(listed)).not.toContain(created.key.slice(13));

      const revoked = await h.request<ApiKeyView>(RpcPatterns.UserApiKeysRevoke, { id: created.id }, a);
      expect(revoked.revokedAt).toEqual(expect.any(String));
      expect(await h.failure(RpcPatterns.UserVerifyApiKey, { key: created.key })).toMatchObject({ status: 401 });
      await waitFor(() => revocationEvents().some((e) => e.payload.id === created.id), {
        what: 'the revocation event',
      });
      expect(revocationEvents().filter((e) => e.payload.id === created.id)).toEqual([
        expect.objectContaining({ tenantId: tenantA.id, payload: { kind: 'api-key', id: created.id } }),
      ]);
      // revoking again changes nothing and publishes nothing more
      await expect(h.request<ApiKeyView>(RpcPatterns.UserApiKeysRevoke, { id: created.id }, a)).resolves.toMatchObject({
        revokedAt: revoked.revokedAt,
      });
    });

    it('refuses unknown scopes at the bus', async () => {
      expect(await h.failure(RpcPatterns.UserApiKeysCreate, { name: 'x', scopes: ['root'] }, a)).toMatchObject({
        status: 400,
        message: expect.stringContaining('scopes must be among'),
      });
    });
  });

  describe('cross-tenant matrix', () => {
    it("answers tenant B's actor on every tenant-A object with 404, exactly like a missing one, and changes nothing", async () => {
      const user = await h.request<CreatedUser>(
        RpcPatterns.UserUsersCreate,
        { email: 'secret@acme.test', name: 'Secret', role: 'viewer', password: 'hidden-lantern-frost-8' },
        a,
      );
      const team = await h.request<TeamView>(RpcPatterns.UserTeamsCreate, { name: 'Acme only' }, a);
      const key = await h.request<CreatedApiKey>(
        RpcPatterns.UserApiKeysCreate,
        { name: 'acme key', scopes: ['alerts:read'] },
        a,
      );
      const missing = '0195f7a0-0000-7000-8000-000000000000';
      const probes: [string, (id: string) => object][] = [
        [RpcPatterns.UserUsersGet, (id) => ({ id })],
        [RpcPatterns.UserUsersUpdate, (id) => ({ id, name: 'pwned', role: 'admin' })],
        [RpcPatterns.UserUsersDeactivate, (id) => ({ id })],
      ];
      for (const [pattern, payload] of probes) {
        const foreign = await h.failure(pattern, payload(user.id), b);
        const absent = await h.failure(pattern, payload(missing), b);
        expect([pattern, foreign.status]).toEqual([pattern, 404]);
        expect(foreign.message.replace(user.id, 'ID')).toBe(absent.message.replace(missing, 'ID'));
      }
      for (const [pattern, payload] of [
        [RpcPatterns.UserTeamsGet, { id: team.id }],
        [RpcPatterns.UserTeamsUpdate, { id: team.id, name: 'pwned' }],
        [RpcPatterns.UserTeamsDelete, { id: team.id }],
        [RpcPatterns.UserApiKeysRevoke, { id: key.id }],
      ] as const) {
        expect([pattern, (await h.failure(pattern, payload, b)).status]).toEqual([pattern, 404]);
      }
      // nothing changed in A
      expect(await h.request<UserView>(RpcPatterns.UserUsersGet, { id: user.id }, a)).toMatchObject({
        name: 'Secret',
        role: 'viewer',
        active: true,
      });
      expect(await h.request<TeamView>(RpcPatterns.UserTeamsGet, { id: team.id }, a)).toMatchObject({
        name: 'Acme only',
      });
      await expect(h.request(RpcPatterns.UserVerifyApiKey, { key: key.key })).resolves.toMatchObject({
        tenantId: tenantA.id,
      });
      expect(revocationEvents().some((e) => e.payload.id === key.id || e.payload.id === user.id)).toBe(false);

      // lists and the audit log never show A's rows to B
      const users = await h.request<Page<UserView>>(RpcPatterns.UserUsersList, { limit: 200 }, b);
      expect(users.items.length).toBeGreaterThan(0);
      expect(users.items.every((u) => u.tenantId === tenantB.id)).toBe(true);
      const teams = await h.request<Page<TeamView>>(RpcPatterns.UserTeamsList, { limit: 200 }, b);
      expect(teams.items.map((t) => t.id)).not.toContain(team.id);
      const keys = await h.request<Page<ApiKeyView>>(RpcPatterns.UserApiKeysList, { limit: 200 }, b);
      expect(keys.items.map((k) => k.id)).not.toContain(key.id);
      expect(
        (await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { targetId: user.id }, b)).items,
      ).toEqual([]);
      const auditB = await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { limit: 200 }, b);
      const idsOfA = [user.id, team.id, key.id, a.actor!.id];
      expect(auditB.items.filter((e) => idsOfA.includes(e.targetId ?? '') || idsOfA.includes(e.actorId ?? ''))).toEqual(
        [],
      );
      expect(
        (await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { targetId: user.id }, a)).items.map(
          (e) => e.action,
        ),
      ).toEqual(['user.created']);
    });
  });

  describe('audit log', () => {
    it('records who changed what, when and from where; filters; pages newest first', async () => {
      const from = new Date().toISOString();
      const team = await h.request<TeamView>(
        RpcPatterns.UserTeamsCreate,
        { name: 'Audited' },
        { ...b, actor: userActor(b.actor!.id, '192.0.2.99') },
      );
      await h.request(RpcPatterns.UserTeamsUpdate, { id: team.id, description: 'x' }, b);
      await h.request(RpcPatterns.UserTeamsDelete, { id: team.id }, b);
      const entries = await h.request<Page<AuditEntryView>>(
        RpcPatterns.UserAuditList,
        { targetType: 'team', targetId: team.id, from },
        b,
      );
      expect(entries.items.map((e) => e.action)).toEqual(['team.deleted', 'team.updated', 'team.created']);
      expect(entries.items[2]).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        action: 'team.created',
        actorType: 'user',
        actorId: b.actor!.id,
        targetType: 'team',
        targetId: team.id,
        ip: '192.0.2.99',
        details: { name: 'Audited' },
      });
      // Strictly before `from` (the team may be created within the same millisecond).
      const before = new Date(Date.parse(from) - 1).toISOString();
      expect(
        (await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { targetId: team.id, to: before }, b)).items,
      ).toEqual([]);
      expect(
        (
          await h.request<Page<AuditEntryView>>(
            RpcPatterns.UserAuditList,
            { action: 'team.updated', actorId: b.actor!.id, targetId: team.id },
            b,
          )
        ).items,
      ).toHaveLength(1);

      const page1 = await h.request<Page<AuditEntryView>>(RpcPatterns.UserAuditList, { limit: 2 }, b);
      const page2 = await h.request<Page<AuditEntryView>>(
        RpcPatterns.UserAuditList,
        { limit: 2, cursor: page1.nextCursor },
        b,
      );
      const times = [...page1.items, ...page2.items].map((e) => e.id);
      expect([...times].sort().reverse()).toEqual(times);
      expect(page1.items[0]!.action).toBe('team.deleted');
    });

    it('needs an actor in the envelope', async () => {
      expect(await h.failure(RpcPatterns.UserAuditList, {}, { tenantId: b.tenantId })).toMatchObject({ status: 401 });
    });
  });
});
