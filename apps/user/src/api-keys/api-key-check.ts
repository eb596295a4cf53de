import { apiKeySecretMatches, type ParsedApiKey } from '@vigil/auth';
import type { ApiKeyPrincipal, ApiKeyScope } from '@vigil/contracts';

export interface StoredApiKey {
  id: string;
  tenantId: string;
  name: string;
  secretHash: string;
  scopes: ApiKeyScope[];
  revokedAt: Date | null;
}

export type ApiKeyCheck =
  { ok: true; principal: ApiKeyPrincipal } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'mismatch' };

/** Decides a presented key against the row its prefix found (if any); the caller answers every failure alike (401). */
export function checkApiKey(parsed: ParsedApiKey | undefined, stored: StoredApiKey | null | undefined): ApiKeyCheck {
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (!stored) return { ok: false, reason: 'unknown' };
  // Compare before looking at revocation so a revoked key costs the same as a live one.
  const matches = apiKeySecretMatches(parsed.secret, stored.secretHash);
  if (!matches) return { ok: false, reason: 'mismatch' };
  if (stored.revokedAt !== null) return { ok: false, reason: 'revoked' };
  return {
    ok: true,
    principal: { keyId: stored.id, tenantId: stored.tenantId, name: stored.name, scopes: stored.scopes },
  };
}

/**
 * "Last used" without a database write per request: per key, at most one write per interval from
 * this replica. `touch` says whether the use is due to be written; `take` hands over what is due.
 */
export class LastUsedBuffer {
  private readonly written = new Map<string, number>();
  private readonly due = new Map<string, { tenantId: string; at: Date }>();

  constructor(private readonly intervalMs: number) {}

  touch(keyId: string, tenantId: string, at: Date): boolean {
    const last = this.written.get(keyId);
    if (last !== undefined && at.getTime() - last < this.intervalMs) return false;
    this.written.set(keyId, at.getTime());
    this.due.set(keyId, { tenantId, at });
    return true;
  }

  take(): { keyId: string; tenantId: string; at: Date }[] {
    const entries = [...this.due].map(([keyId, value]) => ({ keyId, ...value }));
    this.due.clear();
    return entries;
  }

  get pending(): number {
    return this.due.size;
  }
}
