import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@vigil/testing';
import { fetchRunbook, parseAllowedCidrs, RunbookCache } from '../src/safety/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1 whose routes are set per test; it counts the requests of each path. */
class RunbookServer {
  readonly hits = new Map<string, number>();
  private readonly routes = new Map<string, Handler>();

  private readonly server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    const route = this.routes.get(path);
    if (route) route(req, res);
    else res.writeHead(404).end('not found');
  });

  static async start(): Promise<RunbookServer> {
    const self = new RunbookServer();
    await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string, host = '127.0.0.1'): string {
    return `http://${host}:${this.port}${path}`;
  }

  route(path: string, handler: Handler): this {
    this.routes.set(path, handler);
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const LOCAL = parseAllowedCidrs('127.0.0.1/32');

describe('fetchRunbook', () => {
  let server: RunbookServer;

  beforeEach(async () => {
    server = await RunbookServer.start();
    server.route('/runbook.md', (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/markdown' }).end('# Disk full\nDelete old logs.'),
    );
  });

  afterEach(() => server.close());

  it('returns inline text as it is, fetching nothing', async () => {
    expect(await fetchRunbook('Restart the pod, then check the logs.')).toEqual({
      ok: true,
      text: 'Restart the pod, then check the logs.',
      source: 'inline',
      cached: false,
    });
  });

  it('fetches a runbook from an allowed address', async () => {
    const url = server.url('/runbook.md');
    expect(await fetchRunbook(url, { allowedCidrs: LOCAL, cache: new RunbookCache() })).toEqual({
      ok: true,
      text: '# Disk full\nDelete old logs.',
      source: 'url',
      url,
      cached: false,
    });
  });

  it('refuses a loopback address without the allow-list, sending nothing', async () => {
    const url = server.url('/runbook.md');
    expect(await fetchRunbook(url, { cache: new RunbookCache() })).toEqual({
      ok: false,
      reason: 'refused_address',
      message: '127.0.0.1 is not a public address',
      url,
    });
    expect(server.hits.get('/runbook.md')).toBeUndefined();
  });

  it('refuses a name that resolves to a non-public address', async () => {
    const result = await fetchRunbook(server.url('/runbook.md', 'localhost'), { cache: new RunbookCache() });
    expect(result).toMatchObject({ ok: false, reason: 'refused_address' });
    expect(result.ok || result.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), not a public address$/);
    expect(server.hits.get('/runbook.md')).toBeUndefined();
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[::ffff:10.0.0.1]/x', '::ffff:a00:1'],
    ['http://[::1]:9/x', '::1'],
  ])('refuses %s', async (url, host) => {
    expect(await fetchRunbook(url, { allowedCidrs: LOCAL, cache: new RunbookCache() })).toEqual({
      ok: false,
      reason: 'refused_address',
      message: `${host} is not a public address`,
      url,
    });
  });

  it('follows a redirect to an allowed address, checking the hop', async () => {
    server.route('/moved', (_req, res) => res.writeHead(302, { location: '/runbook.md' }).end());
    const result = await fetchRunbook(server.url('/moved'), { allowedCidrs: LOCAL, cache: new RunbookCache() });
    expect(result).toMatchObject({ ok: true, text: '# Disk full\nDelete old logs.' });
    expect(server.hits.get('/runbook.md')).toBe(1);
  });

  it('refuses a redirect to an address the first one did not make allowed', async () => {
    server.route('/to-metadata', (_req, res) =>
      res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/iam' }).end(),
    );
    server.route('/to-other-loopback', (_req, res) =>
      res.writeHead(307, { location: `http://127.0.0.2:${server.port}/runbook.md` }).end(),
    );
    const cache = new RunbookCache();
    expect(await fetchRunbook(server.url('/to-metadata'), { allowedCidrs: LOCAL, cache })).toEqual({
      ok: false,
      reason: 'refused_address',
      message: '169.254.169.254 is not a public address',
      url: 'http://169.254.169.254/latest/meta-data/iam',
    });
    expect(await fetchRunbook(server.url('/to-other-loopback'), { allowedCidrs: LOCAL, cache })).toMatchObject({
      ok: false,
      reason: 'refused_address',
      message: '127.0.0.2 is not a public address',
    });
    expect(server.hits.get('/runbook.md')).toBeUndefined();
  });

  it('stops after too many redirects', async () => {
    server.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    expect(
      await fetchRunbook(server.url('/loop'), { allowedCidrs: LOCAL, maxRedirects: 3, cache: new RunbookCache() }),
    ).toMatchObject({ ok: false, reason: 'too_many_redirects', message: 'more than 3 redirects' });
    expect(server.hits.get('/loop')).toBe(4);
  });

  it('says which status the server answered', async () => {
    expect(
      await fetchRunbook(server.url('/missing'), { allowedCidrs: LOCAL, cache: new RunbookCache() }),
    ).toMatchObject({ ok: false, reason: 'status', message: 'the server answered 404' });
  });

  it('gives up on a server that does not answer in time', async () => {
    server.route('/slow', () => undefined);
    const started = Date.now();
    const result = await fetchRunbook(server.url('/slow'), {
      allowedCidrs: LOCAL,
      timeoutMs: 200,
      cache: new RunbookCache(),
    });
    expect(result).toMatchObject({ ok: false, reason: 'timeout', message: 'no complete answer within 200 ms' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('refuses a body over the size cap, declared or streamed', async () => {
    server.route('/declared', (_req, res) => res.writeHead(200, { 'content-length': '2000' }).end('x'.repeat(2000)));
    server.route('/streamed', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 10; i++) res.write('y'.repeat(300));
      res.end();
    });
    const options = { allowedCidrs: LOCAL, maxBytes: 1000, cache: new RunbookCache() };
    expect(await fetchRunbook(server.url('/declared'), options)).toMatchObject({
      ok: false,
      reason: 'too_large',
      message: '2000 bytes, over the 1000 byte cap',
    });
    expect(await fetchRunbook(server.url('/streamed'), options)).toMatchObject({
      ok: false,
      reason: 'too_large',
      message: 'over the 1000 byte cap',
    });
    server.route('/fits', (_req, res) => res.writeHead(200).end('z'.repeat(1000)));
    expect(await fetchRunbook(server.url('/fits'), options)).toMatchObject({ ok: true, text: 'z'.repeat(1000) });
  });

  it('keeps a fetched runbook for the cache lifetime, then fetches it again', async () => {
    const clock = manualClock();
    const cache = new RunbookCache(60_000, clock);
    const url = server.url('/runbook.md');
    expect(await fetchRunbook(url, { allowedCidrs: LOCAL, cache })).toMatchObject({ ok: true, cached: false });
    clock.advance(59_999);
    expect(await fetchRunbook(url, { allowedCidrs: LOCAL, cache })).toMatchObject({
      ok: true,
      cached: true,
      text: '# Disk full\nDelete old logs.',
    });
    expect(server.hits.get('/runbook.md')).toBe(1);
    clock.advance(1);
    expect(await fetchRunbook(url, { allowedCidrs: LOCAL, cache })).toMatchObject({ ok: true, cached: false });
    expect(server.hits.get('/runbook.md')).toBe(2);
  });

  it('does not keep a failure', async () => {
    const cache = new RunbookCache();
    let answered = 0;
    server.route('/flaky', (_req, res) => (answered++ === 0 ? res.writeHead(503).end() : res.writeHead(200).end('up')));
    expect(await fetchRunbook(server.url('/flaky'), { allowedCidrs: LOCAL, cache })).toMatchObject({
      ok: false,
      reason: 'status',
    });
    expect(await fetchRunbook(server.url('/flaky'), { allowedCidrs: LOCAL, cache })).toMatchObject({
      ok: true,
      text: 'up',
    });
  });

  it('says when the URL is not one it fetches', async () => {
    expect(await fetchRunbook('http://exa mple.com/x', { cache: new RunbookCache() })).toMatchObject({
      ok: false,
      reason: 'invalid_url',
    });
  });
});
