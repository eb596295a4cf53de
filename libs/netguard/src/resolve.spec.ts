import type { LookupAddress } from 'node:dns';
import { parseAllowedCidrs } from './address.js';
import { AddressRefusedError, rangeNameOf, resolvePublic, ResolveError, type LookupAll } from './resolve.js';

/** A resolver that answers from a table and counts its calls. */
function tableLookup(table: Record<string, LookupAddress[] | string>): LookupAll & { calls: string[] } {
  const calls: string[] = [];
  const lookup = (host: string, callback: Parameters<LookupAll>[1]) => {
    calls.push(host);
    const answer = table[host];
    if (answer === undefined || typeof answer === 'string')
      return callback(
        Object.assign(new Error(`getaddrinfo ${answer ?? 'ENOTFOUND'} ${host}`), { code: answer ?? 'ENOTFOUND' }),
        [],
      );
    callback(null, answer);
  };
  return Object.assign(lookup, { calls });
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

describe('resolvePublic', () => {
  it('returns the first address of a name whose addresses are all public', async () => {
    const lookup = tableLookup({ 'example.com': [v6('2606:2800:220:1::1'), v4('93.184.216.34')] });
    await expect(resolvePublic('example.com', [], { lookup })).resolves.toEqual({
      address: '2606:2800:220:1::1',
      family: 6,
    });
    expect(lookup.calls).toEqual(['example.com']);
  });

  it('refuses a name when any one of its addresses is not public, naming that address and the variable', async () => {
    const lookup = tableLookup({ 'mixed.example': [v4('93.184.216.34'), v4('169.254.169.254')] });
    const refusal = resolvePublic('mixed.example', [], { lookup });
    await expect(refusal).rejects.toThrow(AddressRefusedError);
    await expect(refusal).rejects.toThrow(
      'mixed.example resolves to 169.254.169.254 (link-local), which is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    );
    await expect(refusal).rejects.toMatchObject({ host: 'mixed.example', address: '169.254.169.254' });
  });

  it.each([
    ['127.0.0.1', '127.0.0.1 (loopback)'],
    ['10.1.2.3', '10.1.2.3 (private)'],
    ['[::1]', '::1 (loopback)'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1 (private)'],
    ['fd00::1', 'fd00::1 (unique-local)'],
    ['100.64.0.1', '100.64.0.1 (carrier-grade NAT)'],
  ])('refuses the literal address %s without resolving it', async (host, what) => {
    const lookup = tableLookup({});
    await expect(resolvePublic(host, [], { lookup })).rejects.toThrow(
      `${what} is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it`,
    );
    expect(lookup.calls).toEqual([]);
  });

  it('accepts non-public addresses the allow-list contains, and names another variable when told', async () => {
    const allowed = parseAllowedCidrs('127.0.0.0/8');
    const lookup = tableLookup({ localhost: [v4('127.0.0.1')], both: [v4('127.0.0.1'), v6('::1')] });
    await expect(resolvePublic('localhost', allowed, { lookup })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(resolvePublic('[::1]', parseAllowedCidrs('::1'), { lookup })).resolves.toEqual({
      address: '::1',
      family: 6,
    });
    await expect(resolvePublic('both', allowed, { lookup, allowKey: 'X_CIDRS' })).rejects.toThrow(
      'both resolves to ::1 (loopback), which is not a public address; add it to X_CIDRS to allow it',
    );
  });

  it('says why a name did not resolve', async () => {
    const lookup = tableLookup({ flaky: 'EAI_AGAIN' });
    await expect(resolvePublic('nowhere.invalid', [], { lookup })).rejects.toThrow(
      new ResolveError('nowhere.invalid', 'ENOTFOUND', 'nowhere.invalid did not resolve (ENOTFOUND)'),
    );
    await expect(resolvePublic('flaky', [], { lookup })).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    await expect(resolvePublic('empty', [], { lookup: (_host, callback) => callback(null, []) })).rejects.toThrow(
      'empty has no address',
    );
  });

  it('gives up on a resolver that does not answer in time', async () => {
    const started = Date.now();
    await expect(resolvePublic('slow.example', [], { lookup: () => undefined, timeoutMs: 50 })).rejects.toMatchObject({
      code: 'ETIMEOUT',
      message: 'slow.example did not resolve within 50 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('rangeNameOf', () => {
  it.each([
    ['169.254.169.254', 'link-local'],
    ['192.168.0.1', 'private'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['64:ff9b::a00:1', 'NAT64, embeds an IPv4 address'],
    ['2002:a00:1::1', '6to4, embeds an IPv4 address'],
    ['nope', 'not an IP address'],
  ])('%s is %s', (ip, name) => expect(rangeNameOf(ip)).toBe(name));
});
