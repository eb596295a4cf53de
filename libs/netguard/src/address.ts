import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

// IPv6 forms that carry an IPv4 address (IPv4-compatible, NAT64, 6to4, Teredo) or are deprecated
// site-local: the address inside could be anything, so they are never public.
const IPV6_EMBEDDING = ['::/96', '64:ff9b::/96', '64:ff9b:1::/48', '2002::/16', '2001::/32', 'fec0::/10'].map((cidr) =>
  ipaddr.IPv6.parseCIDR(cidr),
);
export type Cidr = [Address, number];

/**
 * Parses `TOOLS_ALLOWED_CIDRS`-style text: comma-separated CIDRs (a bare address means just it).
 * Throws naming `key` and the bad entry.
 */
export function parseAllowedCidrs(text: string | undefined, key = 'TOOLS_ALLOWED_CIDRS'): Cidr[] {
  if (!text?.trim()) return [];
  return text.split(',').map((raw) => {
    const entry = raw.trim();
    try {
      if (entry.includes('/')) return ipaddr.parseCIDR(entry);
      const address = ipaddr.parse(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128] as Cidr;
    } catch {
      throw new Error(`${key}: "${entry}" is not an address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
    }
  });
}

/**
 * Whether `ip` is a public unicast address a tool may reach: private, loopback, link-local, CGNAT,
 * multicast, broadcast, unspecified, reserved, unique-local and documentation ranges are refused,
 * also when written as IPv4-mapped IPv6, unless one of `allowed` contains the address. Not an IP: false.
 */
export function isPublicAddress(ip: string, allowed: readonly Cidr[] = []): boolean {
  let address: Address;
  try {
    // process() turns ::ffff:10.0.0.1 into 10.0.0.1, so a mapped private address is judged as IPv4.
    address = ipaddr.process(ip.replace(/^\[|\]$/g, ''));
  } catch {
    return false;
  }
  if (allowed.some((cidr) => cidr[0].kind() === address.kind() && address.match(cidr))) return true;
  if (address.range() !== 'unicast') return false;
  if (address.kind() === 'ipv6' && IPV6_EMBEDDING.some((cidr) => address.match(cidr))) return false;
  return true;
}
