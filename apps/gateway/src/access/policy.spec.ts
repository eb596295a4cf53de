import type { CredentialAccess } from './access.decorators.js';
import { authorize } from './policy.js';
import type { Principal } from './principal.js';

const user = (role: 'admin' | 'manager' | 'operator' | 'viewer', platformAdmin = false): Principal => ({
  kind: 'user',
  id: 'u',
  tenantId: 't',
  role,
  platformAdmin,
  ip: '::1',
});
const key = (...scopes: ('admin' | 'alerts:write')[]): Principal => ({
  kind: 'api-key',
  id: 'k',
  tenantId: 't',
  name: 'k',
  scopes,
  ip: '::1',
});
const rule = (roles: CredentialAccess['roles'], scopes: CredentialAccess['scopes']): CredentialAccess => ({
  kind: 'credential',
  roles,
  scopes,
});

describe('authorize', () => {
  it('lets a user in with one of the roles, and names the role needed otherwise', () => {
    expect(authorize(rule(['admin', 'manager'], []), user('manager'))).toEqual({ allowed: true });
    expect(authorize(rule(['admin'], []), user('viewer'))).toEqual({
      allowed: false,
      reason: 'this route needs the role admin; you have the role viewer',
    });
  });

  it('treats platform-admin as a flag, not a role', () => {
    expect(authorize(rule(['platform-admin'], []), user('admin'))).toMatchObject({ allowed: false });
    expect(authorize(rule(['platform-admin'], []), user('viewer', true))).toEqual({ allowed: true });
  });

  it('lets a key in with one of the scopes, or any key for *', () => {
    expect(authorize(rule(['admin'], ['admin']), key('admin'))).toEqual({ allowed: true });
    expect(authorize(rule(['admin'], ['admin']), key('alerts:write'))).toEqual({
      allowed: false,
      reason: 'this API key lacks the scope admin',
    });
    expect(authorize(rule([], ['*']), key())).toEqual({ allowed: true });
  });

  it('refuses the credential kind a route does not take', () => {
    expect(authorize(rule(['admin'], []), key('admin'))).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('not an API key'),
    });
    expect(authorize(rule([], ['admin']), user('admin'))).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('takes an API key'),
    });
  });
});
