import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { isPublicAddress, type Cidr } from './address.js';

/** The address a connection should go to: the one that was checked. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** A target that is, or resolves to, an address outside the public internet that the allow-list does not contain. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError';

  constructor(
    readonly host: string,
    readonly address: string,
    allowKey: string,
  ) {
    const what = `${address} (${rangeNameOf(address)})`;
    super(
      `${host === address ? what : `${host} resolves to ${what}, which`} is not a public address; ` +
        `add it to ${allowKey} to allow it`,
    );
  }
}

/** A name that did not resolve: `code` is the resolver's (ENOTFOUND, EAI_AGAIN, ...) or ETIMEOUT. */
export class ResolveError extends Error {
  override readonly name = 'ResolveError';

  constructor(
    readonly host: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type LookupAll = (
  host: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export interface ResolveOptions {
  /** Longest wait for the resolver; default 5000 ms. */
  timeoutMs?: number;
  /** The variable named in refusals; default TOOLS_ALLOWED_CIDRS. */
  allowKey?: string;
  /** How names are resolved; default the system resolver (node:dns lookup, all addresses). */
  lookup?: LookupAll;
}

const lookupAll: LookupAll = (host, callback) => systemLookup(host, { all: true, order: 'verbatim' }, callback);

/**
 * Resolves `host` (a name or a literal address, IPv6 with or without brackets) and returns the address
 * to connect to. Every address the name resolves to must be public or inside `allowed` — otherwise a
 * name with one public and one private address could be steered — and the caller connects to the
 * returned address rather than resolving the name again, so a second answer cannot differ from the
 * checked one (DNS rebinding). Throws AddressRefusedError or ResolveError.
 */
export async function resolvePublic(
  host: string,
  allowed: readonly Cidr[] = [],
  { timeoutMs = 5000, allowKey = 'TOOLS_ALLOWED_CIDRS', lookup = lookupAll }: ResolveOptions = {},
): Promise<CheckedAddress> {
  const bare = host.replace(/^\[|\]$/g, '');
  const literal = isIP(bare);
  const addresses: LookupAddress[] = literal
    ? [{ address: bare, family: literal }]
    : await resolveAll(bare, timeoutMs, lookup);
  const refused = addresses.find((entry) => !isPublicAddress(entry.address, allowed));
  if (refused) throw new AddressRefusedError(bare, refused.address, allowKey);
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function resolveAll(host: string, timeoutMs: number, lookup: LookupAll): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    // getaddrinfo cannot be cancelled: the answer is ignored when it comes after the deadline.
    const timer = setTimeout(
      () => reject(new ResolveError(host, 'ETIMEOUT', `${host} did not resolve within ${timeoutMs} ms`)),
      timeoutMs,
    );
    lookup(host, (error, addresses) => {
      clearTimeout(timer);
      if (error)
        return reject(
          new ResolveError(host, error.code ?? 'EUNKNOWN', `${host} did not resolve (${error.code ?? error.message})`),
        );
      if (addresses.length === 0) return reject(new ResolveError(host, 'ENOTFOUND', `${host} has no address`));
      resolve(addresses);
    });
  });
}

const RANGE_NAMES: Record<string, string> = {
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  reserved: 'reserved',
  rfc6052: 'NAT64, embeds an IPv4 address',
  '6to4': '6to4, embeds an IPv4 address',
  teredo: 'Teredo, embeds an IPv4 address',
  // Unicast yet refused: an IPv6 form that carries an IPv4 address, which could be any.
  unicast: 'embeds an IPv4 address',
};

/** What kind of address `ip` is, in words, for messages: "loopback", "link-local", ... */
export function rangeNameOf(ip: string): string {
  try {
    const range = ipaddr.process(ip.replace(/^\[|\]$/g, '')).range();
    return RANGE_NAMES[range] ?? range;
  } catch {
    return 'not an IP address';
  }
}
