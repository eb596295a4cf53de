import type { CredentialAccess } from './access.decorators.js';
import type { Principal } from './principal.js';

export type Decision = { allowed: true } | { allowed: false; reason: string };

/** Whether an authenticated principal may use a route, and if not, a reason fit for a 403 body. */
export function authorize(rule: CredentialAccess, principal: Principal): Decision {
  if (principal.kind === 'user') {
    if (rule.roles.length === 0) return { allowed: false, reason: 'this route takes an API key, not a user token' };
    if (rule.roles.includes(principal.role)) return { allowed: true };
    if (principal.platformAdmin && rule.roles.includes('platform-admin')) return { allowed: true };
    return {
      allowed: false,
      reason: `this route needs the role ${rule.roles.join(' or ')}; you have the role ${principal.role}`,
    };
  }
  if (rule.scopes.length === 0)
    return { allowed: false, reason: "this route takes a signed-in user's token, not an API key" };
  if (rule.scopes.includes('*') || principal.scopes.some((scope) => rule.scopes.includes(scope)))
    return { allowed: true };
  return { allowed: false, reason: `this API key lacks the scope ${rule.scopes.join(' or ')}` };
}
