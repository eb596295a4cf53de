import { isPublicAddress, parseAllowedCidrs } from './address.js';

describe('isPublicAddress', () => {
  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '[2a00:1450:4001::200e]'])(
    'accepts the public address %s',
    (ip) => expect(isPublicAddress(ip)).toBe(true),
  );

  it.each([
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['100.64.0.1', 'CGNAT'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['192.0.2.10', 'documentation'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['fe80::1', 'IPv6 link-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'IPv6 multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::ffff:a00:1', 'IPv4-mapped private, hex form'],
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['64:ff9b::a00:1', 'NAT64 of a private address'],
    ['2002:a00:1::1', '6to4 of a private address'],
    ['not-an-ip', 'not an address'],
    ['localhost', 'a name, not an address'],
  ])('refuses %s (%s)', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it('accepts what the allow-list contains, and only that', () => {
    const allowed = parseAllowedCidrs('127.0.0.0/8, 10.1.0.0/16,fd00::/8');
    expect(isPublicAddress('127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('::ffff:127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('10.1.200.3', allowed)).toBe(true);
    expect(isPublicAddress('10.2.0.1', allowed)).toBe(false);
    expect(isPublicAddress('fd00::5', allowed)).toBe(true);
    expect(isPublicAddress('::1', allowed)).toBe(false);
  });
});

describe('parseAllowedCidrs', () => {
  it('reads nothing from empty text', () => {
    expect(parseAllowedCidrs(undefined)).toEqual([]);
    expect(parseAllowedCidrs(' ')).toEqual([]);
  });

  it('takes a bare address as a single-address range', () => {
    const [range] = parseAllowedCidrs('192.168.1.7');
    expect(range![0].toString()).toBe('192.168.1.7');
    expect(range![1]).toBe(32);
  });

  it('names the key and the bad entry', () => {
    expect(() => parseAllowedCidrs('10.0.0.0/8,10.0.0.0/33')).toThrow(
      'TOOLS_ALLOWED_CIDRS: "10.0.0.0/33" is not an address or CIDR (e.g. 10.0.0.0/8, fd00::/8)',
    );
    expect(() => parseAllowedCidrs('nope', 'X_CIDRS')).toThrow('X_CIDRS: "nope"');
  });
});
