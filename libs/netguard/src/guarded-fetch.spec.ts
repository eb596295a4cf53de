import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllowedCidrs } from './address.js';
import { guardedFetch } from './guarded-fetch.js';

describe('guardedFetch', () => {
  let server: http.Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => (connections = 0));

  it('refuses a literal loopback address before any connection', async () => {
    await expect(guardedFetch()(`http://127.0.0.1:${port}/`)).rejects.toThrow(
      '127.0.0.1 (loopback) is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    );
    expect(connections).toBe(0);
  });

  it('refuses a name when its socket connects, by the address it resolved to', async () => {
    const failure = await guardedFetch()(`http://localhost:${port}/`).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error & { cause?: Error }).cause?.message)).toMatch(
      /^localhost resolves to (127\.0\.0\.1 \(loopback\)|::1 \(loopback\)), which is not a public address/,
    );
    expect(connections).toBe(0);
  });

  it('reaches an address the allow-list contains, by name or literally', async () => {
    const fetchAllowed = guardedFetch(parseAllowedCidrs('127.0.0.0/8,::1/128'));
    const literal = await fetchAllowed(`http://127.0.0.1:${port}/`);
    expect([literal.status, await literal.text()]).toEqual([200, 'ok']);
    const named = await fetchAllowed(new URL(`http://localhost:${port}/`));
    expect([named.status, await named.text()]).toEqual([200, 'ok']);
  });
});
