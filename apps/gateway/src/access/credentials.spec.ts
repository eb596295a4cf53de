import { generateApiKey } from '@vigil/auth';
import { presentedCredential } from './credentials.js';

const { key } = generateApiKey();
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('presentedCredential', () => {
  it('reads an API key from Bearer, X-API-Key and Basic (any username)', () => {
    expect(presentedCredential({ authorization: `Bearer ${key}` })).toEqual({ kind: 'api-key', key, via: 'bearer' });
    expect(presentedCredential({ 'x-api-key': key })).toEqual({ kind: 'api-key', key, via: 'x-api-key' });
    expect(presentedCredential({ authorization: basic('alertmanager', key) })).toEqual({
      kind: 'api-key',
      key,
      via: 'basic',
    });
    expect(presentedCredential({ authorization: basic('', key) })).toEqual({ kind: 'api-key', key, via: 'basic' });
    expect(presentedCredential({ authorization: `bearer ${key}` })).toMatchObject({ kind: 'api-key' });
  });

  it('takes any other Bearer value for a JWT', () => {
    expect(presentedCredential({ authorization: 'Bearer eyJhbGciOi.x.y' })).toEqual({
      kind: 'jwt',
      token: 'eyJhbGciOi.x.y',
    });
    expect(presentedCredential({ authorization: 'Bearer vgk_short_x' })).toEqual({ kind: 'jwt', token: 'vgk_short_x' });
  });

  it('says none without a credential, and why a presented one is unusable', () => {
    expect(presentedCredential({})).toEqual({ kind: 'none' });
    expect(presentedCredential({ authorization: 'Bearer ' })).toMatchObject({
      kind: 'unusable',
      reason: 'the bearer token is empty',
    });
    expect(presentedCredential({ authorization: 'Digest abc' })).toMatchObject({
      kind: 'unusable',
      reason: expect.stringContaining('unsupported'),
    });
    expect(presentedCredential({ authorization: basic('user', 'password') })).toMatchObject({
      kind: 'unusable',
      reason: expect.stringContaining('Basic'),
    });
    expect(presentedCredential({ 'x-api-key': 'nope' })).toMatchObject({
      kind: 'unusable',
      reason: expect.stringContaining('X-API-Key'),
    });
  });

  it('refuses two different credentials, accepts the same key twice', () => {
    const other = generateApiKey().key;
    expect(presentedCredential({ authorization: `Bearer ${key}`, 'x-api-key': other })).toMatchObject({
      kind: 'unusable',
    });
    expect(presentedCredential({ authorization: 'Bearer a.b.c', 'x-api-key': key })).toMatchObject({
      kind: 'unusable',
    });
    expect(presentedCredential({ authorization: `Bearer ${key}`, 'x-api-key': key })).toEqual({
      kind: 'api-key',
      key,
      via: 'bearer',
    });
  });
});
