import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { apiKeySecretMatches, generateApiKey, parseApiKey } from './api-key.js';
import { InvalidTokenError, JwtKeyring } from './jwt.js';

const A = `a:${'x'.repeat(40)}`;
const B = `b:${'y'.repeat(40)}`;
const claims = { sub: '0192f0c1-0000-7000-8000-000000000001', tid: 't-1', role: 'admin' as const, pa: false };

describe('JwtKeyring', () => {
  it('signs with the first key and verifies with any listed key (rotation)', async () => {
    const old = JwtKeyring.parse(A);
    const rotated = JwtKeyring.parse(`${B},${A}`);
    const { token } = await old.sign(claims, 60);
    await expect(rotated.verify(token)).resolves.toMatchObject({ ...claims, kid: 'a' });
    const fresh = await rotated.sign(claims, 60);
    await expect(JwtKeyring.parse(B).verify(fresh.token)).resolves.toMatchObject({ kid: 'b' });
    await expect(old.verify(fresh.token)).rejects.toEqual(new InvalidTokenError('unknown-key'));
  });

  it('refuses expired, malformed, forged and foreign tokens', async () => {
    const ring = JwtKeyring.parse(A);
    const expired = await ring.sign(claims, -10);
    await expect(ring.verify(expired.token)).rejects.toMatchObject({ reason: 'expired' });
    await expect(ring.verify('not.a.jwt')).rejects.toMatchObject({ reason: 'malformed' });
    const forged = await new SignJWT({ tid: 't', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'a' })
      .setSubject('x')
      .setIssuer('vigil')
      .setAudience('vigil-api')
      .setJti('j')
      .setExpirationTime('1m')
      .sign(Buffer.from('z'.repeat(40)));
    await expect(ring.verify(forged)).rejects.toMatchObject({ reason: 'bad-signature' });
    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'a' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url')}.`;
    await expect(ring.verify(noneAlg)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('names what is wrong with JWT_KEYS', () => {
    expect(() => JwtKeyring.parse('')).toThrow('JWT_KEYS names no key');
    expect(() => JwtKeyring.parse('k:short')).toThrow('shorter than 32 bytes');
    expect(() => JwtKeyring.parse('nocolon')).toThrow('kid:secret');
    expect(() => JwtKeyring.parse(`${A},${A}`)).toThrow('twice');
  });

  it('keeps a generated key in the data directory when JWT_KEYS is unset', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-jwt-'));
    const first = JwtKeyring.load({ VIGIL_DATA_DIR: dir });
    const { token } = await first.sign(claims, 60);
    await expect(JwtKeyring.load({ VIGIL_DATA_DIR: path.join(dir, '.') }).verify(token)).resolves.toMatchObject({
      sub: claims.sub,
    });
  });
});

describe('API keys', () => {
  it('generates keys that parse back and match only their own hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    const parsed = parseApiKey(a.key)!;
    expect(parsed.prefix).toBe(a.prefix);
    expect(apiKeySecretMatches(parsed.secret, a.secretHash)).toBe(true);
    expect(apiKeySecretMatches(parsed.secret, b.secretHash)).toBe(false);
    expect(parseApiKey('vgk_short_x')).toBeUndefined();
    expect(parseApiKey(`${a.key}x`)).toBeUndefined();
  });
});
