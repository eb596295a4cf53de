import { jest } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { generateApiKey, JwtKeyring } from '@vigil/auth';
import { loadConfig } from '@vigil/config';
import { RpcPatterns, type ApiKeyPrincipal, type PrincipalView } from '@vigil/contracts';
import { RpcRemoteError, RpcTimeoutError } from '@vigil/messaging';
import type { UserServiceClient } from '../bus/user-service.client.js';
import { GatewayConfig } from '../gateway.config.js';
import { Authenticator, INVALID_KEY } from './authenticator.js';

const USER = '0192f0c1-0000-7000-8000-000000000001';
const ring = JwtKeyring.parse(`a:${'x'.repeat(40)}`);
const config = loadConfig(GatewayConfig, {
  API_KEY_CACHE_TTL_MS: '5000',
  API_KEY_NEGATIVE_CACHE_TTL_MS: '1000',
  PRINCIPAL_CACHE_TTL_MS: '5000',
});

function setUp(
  answers: { principal?: () => Promise<PrincipalView | null>; key?: () => Promise<ApiKeyPrincipal | null> },
  start = 1_000_000,
) {
  let now = start;
  const inTenant = jest.fn((_pattern: string, _tenant: string, _payload: object) =>
    (answers.principal ?? (async () => null))(),
  );
  const anonymous = jest.fn((_pattern: string, _payload: object) => (answers.key ?? (async () => null))());
  const client = { inTenant, anonymous } as unknown as UserServiceClient;
  const auth = new Authenticator(config, ring, () => now, client);
  return { auth, inTenant, anonymous, advance: (ms: number) => (now += ms) };
}

const activeUser: PrincipalView = {
  userId: USER,
  tenantId: 't1',
  role: 'operator',
  active: true,
  platformAdmin: false,
};
const token = async (claims: Partial<{ tid: string; role: 'admin' | 'viewer' }> = {}, ttl = 60) =>
  (await ring.sign({ sub: USER, tid: 't1', role: 'admin', pa: false, ...claims }, ttl)).token;

describe('Authenticator: access tokens', () => {
  it('verifies locally, then takes role and state from the user service, cached', async () => {
    const { auth, inTenant } = setUp({ principal: async () => activeUser });
    const jwt = await token();
    await expect(auth.authenticate({ kind: 'jwt', token: jwt }, '10.0.0.1')).resolves.toEqual({
      kind: 'user',
      id: USER,
      tenantId: 't1',
      role: 'operator',
      platformAdmin: false,
      ip: '10.0.0.1',
    });
    await auth.authenticate({ kind: 'jwt', token: jwt }, '10.0.0.1');
    expect(inTenant).toHaveBeenCalledTimes(1);
    expect(inTenant).toHaveBeenCalledWith(RpcPatterns.UserPrincipal, 't1', { userId: USER });
  });

  it('refuses expired, malformed and foreign tokens without asking anyone', async () => {
    const { auth, inTenant } = setUp({ principal: async () => activeUser });
    const foreign = (
      await JwtKeyring.parse(`a:${'y'.repeat(40)}`).sign({ sub: USER, tid: 't1', role: 'admin', pa: false }, 60)
    ).token;
    for (const bad of [await token({}, -5), 'not-a-jwt', foreign]) {
      await expect(auth.authenticate({ kind: 'jwt', token: bad }, 'ip')).rejects.toBeInstanceOf(UnauthorizedException);
    }
    expect(inTenant).not.toHaveBeenCalled();
  });

  it("refuses a deactivated user, an unknown one, and a token whose tenant is not the user's", async () => {
    for (const answer of [
      async () => ({ ...activeUser, active: false }),
      async () => null,
      async () => ({ ...activeUser, tenantId: 't2' }),
      async (): Promise<PrincipalView> => {
        throw new RpcRemoteError(RpcPatterns.UserPrincipal, 'user', { message: 'not found', status: 404 });
      },
    ]) {
      const { auth } = setUp({ principal: answer });
      await expect(auth.authenticate({ kind: 'jwt', token: await token() }, 'ip')).rejects.toThrow(
        'access token is not valid',
      );
    }
  });

  it('asks again after the TTL or at once after a revocation', async () => {
    let state = activeUser;
    const { auth, inTenant, advance } = setUp({ principal: async () => state });
    const jwt = await token();
    await auth.authenticate({ kind: 'jwt', token: jwt }, 'ip');
    state = { ...activeUser, active: false };
    await auth.authenticate({ kind: 'jwt', token: jwt }, 'ip'); // cached
    auth.revoke('user', USER);
    await expect(auth.authenticate({ kind: 'jwt', token: jwt }, 'ip')).rejects.toThrow(UnauthorizedException);
    state = activeUser;
    advance(5_000);
    await expect(auth.authenticate({ kind: 'jwt', token: jwt }, 'ip')).resolves.toMatchObject({ kind: 'user' });
    expect(inTenant).toHaveBeenCalledTimes(3);
  });

  it("checks a token's signature once, and again after a few seconds or once it has expired", async () => {
    const verify = jest.spyOn(ring, 'verify');
    try {
      const { auth, advance } = setUp({ principal: async () => activeUser }, Date.now());
      const long = await token({}, 600);
      await auth.authenticate({ kind: 'jwt', token: long }, 'ip');
      await auth.authenticate({ kind: 'jwt', token: long }, 'ip');
      expect(verify).toHaveBeenCalledTimes(1);
      advance(5_000);
      await auth.authenticate({ kind: 'jwt', token: long }, 'ip');
      expect(verify).toHaveBeenCalledTimes(2);
      const short = await token({}, 2);
      await auth.authenticate({ kind: 'jwt', token: short }, 'ip');
      advance(2_000); // past its exp: verified again (the real keyring then judges it)
      await auth.authenticate({ kind: 'jwt', token: short }, 'ip');
      expect(verify).toHaveBeenCalledTimes(4);
    } finally {
      verify.mockRestore();
    }
  });

  it('lets bus failures through (they become 503/504)', async () => {
    const { auth } = setUp({
      principal: async () => {
        throw new RpcTimeoutError(RpcPatterns.UserPrincipal, 'user', 5000);
      },
    });
    await expect(auth.authenticate({ kind: 'jwt', token: await token() }, 'ip')).rejects.toBeInstanceOf(
      RpcTimeoutError,
    );
  });
});

describe('Authenticator: API keys', () => {
  const { key } = generateApiKey();
  const found: ApiKeyPrincipal = { keyId: 'key-1', tenantId: 't1', name: 'alertmanager', scopes: ['alerts:write'] };

  it('verifies through the user service once per TTL, sharing a lookup between concurrent requests', async () => {
    const { auth, anonymous, advance } = setUp({ key: async () => found });
    const results = await Promise.all(
      [1, 2, 3].map(() => auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip')),
    );
    expect(results[0]).toEqual({
      kind: 'api-key',
      id: 'key-1',
      tenantId: 't1',
      name: 'alertmanager',
      scopes: ['alerts:write'],
      ip: 'ip',
    });
    expect(anonymous).toHaveBeenCalledTimes(1);
    expect(anonymous).toHaveBeenCalledWith(RpcPatterns.UserVerifyApiKey, { key });
    advance(4_999);
    await auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip');
    expect(anonymous).toHaveBeenCalledTimes(1);
    advance(1);
    await auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip');
    expect(anonymous).toHaveBeenCalledTimes(2);
  });

  it('remembers a bad key for the shorter negative TTL', async () => {
    const { auth, anonymous, advance } = setUp({
      key: async () => {
        throw new RpcRemoteError(RpcPatterns.UserVerifyApiKey, 'user', { message: 'invalid', status: 401 });
      },
    });
    await expect(auth.authenticate({ kind: 'api-key', key, via: 'x-api-key' }, 'ip')).rejects.toThrow(INVALID_KEY);
    await expect(auth.authenticate({ kind: 'api-key', key, via: 'x-api-key' }, 'ip')).rejects.toThrow(INVALID_KEY);
    expect(anonymous).toHaveBeenCalledTimes(1);
    advance(1_000);
    await expect(auth.authenticate({ kind: 'api-key', key, via: 'x-api-key' }, 'ip')).rejects.toThrow(INVALID_KEY);
    expect(anonymous).toHaveBeenCalledTimes(2);
  });

  it('forgets a revoked key at once, and does not cache an answer that raced the revocation', async () => {
    let release: (value: ApiKeyPrincipal) => void = () => undefined;
    let answer: () => Promise<ApiKeyPrincipal | null> = async () => found;
    const { auth, anonymous } = setUp({ key: () => answer() });
    await auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip');
    auth.revoke('api-key', 'key-1');
    answer = () => new Promise<ApiKeyPrincipal>((resolve) => (release = resolve));
    const pending = auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip');
    await new Promise((r) => setImmediate(r));
    auth.revoke('api-key', 'key-1'); // revoked while the lookup was in flight
    release(found);
    await expect(pending).resolves.toMatchObject({ id: 'key-1' });
    answer = async () => null;
    await expect(auth.authenticate({ kind: 'api-key', key, via: 'bearer' }, 'ip')).rejects.toThrow(INVALID_KEY);
    expect(anonymous).toHaveBeenCalledTimes(3);
  });
});
