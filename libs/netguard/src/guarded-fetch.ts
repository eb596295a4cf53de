import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPublicAddress, type Cidr } from './address.js';
import { AddressRefusedError } from './resolve.js';

/**
 * A `lookup` for sockets that refuses, at connect time, a name with any address outside the public
 * internet that `allowed` does not contain: the check and the connection use the same answer, so a
 * name pointed at a private address after an earlier check (DNS rebinding) is still refused.
 */
export function guardedLookup(allowed: readonly Cidr[] = [], allowKey = 'TOOLS_ALLOWED_CIDRS'): LookupFunction {
  return (hostname, options, callback) => {
    systemLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((entry) => !isPublicAddress(entry.address, allowed));
      if (refused) return callback(new AddressRefusedError(hostname, refused.address, allowKey), '', 0);
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * `fetch` that reaches public addresses only (and those `allowed`): a literal address is checked before
 * the request, a name when its socket connects (guardedLookup), every redirect hop included. For
 * clients that send requests to URLs a tenant gave (tenants' MCP servers).
 */
export function guardedFetch(allowed: readonly Cidr[] = [], allowKey = 'TOOLS_ALLOWED_CIDRS'): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(allowed, allowKey) } });
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) && !isPublicAddress(host, allowed)) throw new AddressRefusedError(host, host, allowKey);
    return undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    });
  }) as unknown as typeof fetch;
}
