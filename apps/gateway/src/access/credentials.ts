import { parseApiKey } from '@vigil/auth';
import type { IncomingHttpHeaders } from 'node:http';

/** What a request presents, before anything is verified. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'jwt'; token: string }
  | { kind: 'api-key'; key: string; via: 'bearer' | 'x-api-key' | 'basic' }
  | { kind: 'unusable'; reason: string };

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the credential the way Alertmanager, Grafana and people send it: `Authorization: Bearer`
 * (an API key when it has the key format, else a JWT), `X-API-Key`, or HTTP Basic with the key as
 * the password (any username). Two different credentials in one request are refused, not guessed at.
 */
export function presentedCredential(headers: IncomingHttpHeaders): PresentedCredential {
  const authorization = single(headers.authorization)?.trim();
  const headerKey = single(headers['x-api-key'])?.trim();
  const fromAuthorization = authorization ? fromAuthorizationHeader(authorization) : undefined;
  const fromHeader: PresentedCredential | undefined = headerKey
    ? parseApiKey(headerKey)
      ? { kind: 'api-key', key: headerKey, via: 'x-api-key' }
      : { kind: 'unusable', reason: 'X-API-Key is not a Vigil API key' }
    : undefined;
  if (fromAuthorization && fromHeader) {
    const same =
      fromAuthorization.kind === 'api-key' && fromHeader.kind === 'api-key' && fromAuthorization.key === fromHeader.key;
    return same
      ? fromAuthorization
      : { kind: 'unusable', reason: 'send one credential: Authorization and X-API-Key disagree' };
  }
  return fromAuthorization ?? fromHeader ?? { kind: 'none' };
}

function fromAuthorizationHeader(value: string): PresentedCredential {
  const space = value.indexOf(' ');
  const scheme = (space < 0 ? value : value.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : value.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (!rest) return { kind: 'unusable', reason: 'the bearer token is empty' };
    return parseApiKey(rest) ? { kind: 'api-key', key: rest, via: 'bearer' } : { kind: 'jwt', token: rest };
  }
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    return parseApiKey(password)
      ? { kind: 'api-key', key: password, via: 'basic' }
      : { kind: 'unusable', reason: 'HTTP Basic must carry a Vigil API key as the password' };
  }
  return { kind: 'unusable', reason: 'unsupported Authorization scheme: use Bearer or Basic' };
}
