// The built server over real stdio, driven by the MCP SDK's client as any MCP host would drive it.
// Every target is a local server; nothing here needs the internet.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { refusedPort } from '@vigil/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const SERVER_ENTRY = path.join(root, 'dist/apps/vigil-tools/src/main.js');
const TOKEN_META = 'vigil/alertsToken';

const clients: Client[] = [];

async function startTools(env: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER_ENTRY],
    cwd: root,
    env: { ...getDefaultEnvironment(), ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'vigil-tools-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  meta?: Record<string, unknown>,
): Promise<{ isError: boolean; text: string }> {
  const result = (await client.callTool({ name, arguments: args, ...(meta && { _meta: meta }) })) as CallToolResult;
  expect(result.content).toHaveLength(1);
  const [content] = result.content;
  if (content!.type !== 'text') throw new Error(`expected text content, got ${content!.type}`);
  return { isError: result.isError === true, text: content!.text };
}

/** A successful call's JSON answer. */
async function check(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { isError, text } = await call(client, name, args);
  expect({ isError, text }).toEqual({ isError: false, text: expect.any(String) });
  return JSON.parse(text) as Record<string, unknown>;
}

/** A local server that counts the TCP connections it accepts and the requests it answers. */
interface Target {
  port: number;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function listen(server: http.Server | https.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function startTarget(kind: 'http' | 'https'): Promise<Target> {
  const handler: http.RequestListener = (req, res) => {
    target.requests.push(`${req.method} ${req.url} host=${req.headers.host}`);
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/elsewhere' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  };
  // fixtures/self-signed.*: an EC certificate signed by itself for CN=vigil-tools test, SANs localhost and
  // 127.0.0.1, valid until 2126 (openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 36500).
  const server =
    kind === 'http'
      ? http.createServer(handler)
      : https.createServer(
          {
            key: readFileSync(path.join(here, 'fixtures/self-signed.key')),
            cert: readFileSync(path.join(here, 'fixtures/self-signed.crt')),
          },
          handler,
        );
  const target: Target = {
    port: 0,
    connections: 0,
    requests: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server.on('connection', () => target.connections++);
  target.port = await listen(server);
  return target;
}

let web: Target;
let secure: Target;

beforeAll(async () => {
  web = await startTarget('http');
  secure = await startTarget('https');
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await web.close();
  await secure.close();
});

describe('vigil-tools over stdio', () => {
  it('lists its four tools, each described, with described arguments', async () => {
    const client = await startTools();
    expect(client.getServerVersion()).toEqual({ name: 'vigil-tools', version: '0.1.0' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['dns_lookup', 'http_check', 'similar_alerts', 'tcp_check']);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      const properties = tool.inputSchema.properties as Record<string, { description?: string }>;
      for (const [name, schema] of Object.entries(properties))
        expect({ tool: tool.name, name, description: schema.description }).toEqual({
          tool: tool.name,
          name,
          description: expect.any(String),
        });
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool.inputSchema]));
    expect(byName.http_check!.required).toEqual(['url']);
    expect(byName.tcp_check!.required).toEqual(['host', 'port']);
    expect(byName.dns_lookup!.required).toEqual(['name']);
    expect(byName.similar_alerts!.required).toBeUndefined();
  });

  it('stops at start-up, naming the variable, when TOOLS_ALLOWED_CIDRS is not a list of CIDRs', () => {
    const run = spawnSync(process.execPath, [SERVER_ENTRY], {
      cwd: root,
      env: { ...getDefaultEnvironment(), TOOLS_ALLOWED_CIDRS: '10.0.0.0/8,nope' },
      input: '',
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('TOOLS_ALLOWED_CIDRS');
    expect(run.stderr).toContain('"nope" is not an address or CIDR');
  });
});

describe('network tools with loopback allowed (TOOLS_ALLOWED_CIDRS=127.0.0.0/8)', () => {
  let client: Client;
  beforeAll(async () => {
    client = await startTools({ TOOLS_ALLOWED_CIDRS: '127.0.0.0/8' });
  });

  it('http_check reports the status and the time to the headers', async () => {
    const before = web.requests.length;
    const result = await check(client, 'http_check', { url: `http://127.0.0.1:${web.port}/healthz?x=1` });
    expect(result).toEqual({
      url: `http://127.0.0.1:${web.port}/healthz?x=1`,
      method: 'GET',
      address: '127.0.0.1',
      status: 200,
      statusText: 'OK',
      latencyMs: expect.any(Number),
      dnsMs: expect.any(Number),
      contentType: 'text/plain',
    });
    expect(web.requests.slice(before)).toEqual([`GET /healthz?x=1 host=127.0.0.1:${web.port}`]);
  });

  it('http_check reports a redirect without following it, and sends HEAD when asked', async () => {
    const before = web.requests.length;
    const result = await check(client, 'http_check', { url: `http://localhost:${web.port}/moved`, method: 'HEAD' });
    expect(result).toMatchObject({
      method: 'HEAD',
      address: '127.0.0.1',
      status: 302,
      location: `http://localhost:${web.port}/elsewhere`,
      redirect: 'not followed',
    });
    // The name was resolved once and checked; the Host header still carries it.
    expect(web.requests.slice(before)).toEqual([`HEAD /moved host=localhost:${web.port}`]);
  });

  it('http_check reads the certificate of an https endpoint and says why it is not trusted', async () => {
    const result = await check(client, 'http_check', { url: `https://127.0.0.1:${secure.port}/` });
    const validTo = new Date('2126-11-08T11:24:57.000Z');
    expect(result).toMatchObject({ status: 200, address: '127.0.0.1' });
    expect(result.tls).toEqual({
      protocol: 'TLSv1.3',
      subject: 'CN=vigil-tools test, O=Vigil',
      issuer: 'CN=vigil-tools test, O=Vigil',
      subjectAltName: 'DNS:localhost, IP Address:127.0.0.1',
      validFrom: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      validTo: validTo.toISOString(),
      daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
      trusted: false,
      problem: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('http_check reports a refused connection, a TLS failure and a timeout as results with their kind', async () => {
    const port = await refusedPort();
    expect(await check(client, 'http_check', { url: `http://127.0.0.1:${port}/` })).toEqual({
      url: `http://127.0.0.1:${port}/`,
      method: 'GET',
      address: '127.0.0.1',
      error: { kind: 'connection_refused', message: `connect ECONNREFUSED 127.0.0.1:${port}` },
    });
    // https to a plain-http server: the handshake fails.
    expect(await check(client, 'http_check', { url: `https://127.0.0.1:${web.port}/` })).toMatchObject({
      error: { kind: 'tls', message: expect.stringMatching(/SSL|TLS|wrong version/i) },
    });
    // A server that accepts the connection and never answers.
    const silent = net.createServer(() => undefined);
    const silentPort = await listen(silent);
    try {
      expect(await check(client, 'http_check', { url: `http://127.0.0.1:${silentPort}/`, timeoutMs: 300 })).toEqual({
        url: `http://127.0.0.1:${silentPort}/`,
        method: 'GET',
        address: '127.0.0.1',
        error: { kind: 'timeout', message: 'no response within 300 ms' },
      });
    } finally {
      silent.close();
    }
  });

  it('http_check refuses other schemes and out-of-range timeouts as argument errors', async () => {
    const scheme = await call(client, 'http_check', { url: 'ftp://127.0.0.1/file' });
    expect(scheme.isError).toBe(true);
    expect(scheme.text).toContain('must be an absolute http:// or https:// URL');
    const timeout = await call(client, 'http_check', { url: `http://127.0.0.1:${web.port}/`, timeoutMs: 60_000 });
    expect(timeout.isError).toBe(true);
    expect(timeout.text).toContain('timeoutMs');
  });

  it('tcp_check tells an open port from a closed one', async () => {
    expect(await check(client, 'tcp_check', { host: '127.0.0.1', port: web.port })).toEqual({
      host: '127.0.0.1',
      address: '127.0.0.1',
      port: web.port,
      status: 'open',
      latencyMs: expect.any(Number),
    });
    const port = await refusedPort();
    expect(await check(client, 'tcp_check', { host: 'localhost', port })).toMatchObject({
      host: 'localhost',
      address: '127.0.0.1',
      port,
      status: 'closed',
      error: `connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('still refuses private ranges the allow-list does not contain', async () => {
    const refusal = await call(client, 'tcp_check', { host: '10.20.30.40', port: 22 });
    expect(refusal).toEqual({
      isError: true,
      text: 'tcp_check refused 10.20.30.40:22: 10.20.30.40 (private) is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    });
  });
});

describe('network tools without an allow-list', () => {
  let client: Client;
  // A server of its own, so "no connection was made" is an exact count of zero.
  let guarded: Target;
  beforeAll(async () => {
    client = await startTools();
    guarded = await startTarget('http');
  });
  afterAll(() => guarded.close());

  it.each([
    ['loopback', () => `http://127.0.0.1:${guarded.port}/`, '127.0.0.1 (loopback)'],
    [
      'a name that resolves to loopback',
      () => `http://localhost:${guarded.port}/`,
      'localhost resolves to 127.0.0.1 (loopback), which',
    ],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254 (link-local)'],
    ['a private address', () => 'http://10.0.0.1:8080/', '10.0.0.1 (private)'],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${guarded.port}/`, '(loopback)'],
  ])('http_check refuses %s without connecting', async (_what, url, named) => {
    const target = url();
    const refusal = await call(client, 'http_check', { url: target });
    expect(refusal.isError).toBe(true);
    expect(refusal.text).toContain(`http_check refused ${new URL(target).href}: `);
    expect(refusal.text).toContain(named);
    expect(refusal.text).toContain('is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it');
    expect(guarded.connections).toBe(0);
  });

  it('tcp_check refuses loopback, link-local and private targets without connecting', async () => {
    for (const [host, port] of [
      ['127.0.0.1', guarded.port],
      ['localhost', guarded.port],
      ['169.254.169.254', 80],
      ['10.0.0.1', 5432],
      ['[::1]', guarded.port],
    ] as const) {
      const refusal = await call(client, 'tcp_check', { host, port });
      expect(refusal.isError).toBe(true);
      expect(refusal.text).toContain(`tcp_check refused ${host}:${port}: `);
      expect(refusal.text).toContain('TOOLS_ALLOWED_CIDRS');
    }
    expect(guarded.connections).toBe(0);
  });
});

describe('dns_lookup', () => {
  let client: Client;
  beforeAll(async () => {
    client = await startTools();
  });

  it('resolves a name the way local programs do (SYSTEM: the hosts file first)', async () => {
    const result = await check(client, 'dns_lookup', { name: 'localhost', type: 'SYSTEM' });
    expect(result).toMatchObject({ name: 'localhost', type: 'SYSTEM' });
    expect(result.records).toContainEqual({ address: '127.0.0.1', family: 4 });
  });

  it('answers within its time limit even with no DNS server to reach', async () => {
    const started = Date.now();
    const result = await check(client, 'dns_lookup', { name: 'nothing-here.invalid', type: 'MX', timeoutMs: 500 });
    expect(result).toMatchObject({ name: 'nothing-here.invalid', type: 'MX', error: { code: expect.any(String) } });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses what is not a DNS name as an argument error', async () => {
    for (const name of ['not a name', 'a..b', '-leading.example', 'x'.repeat(254)]) {
      const answer = await call(client, 'dns_lookup', { name });
      expect({ name, ...answer }).toEqual({
        name,
        isError: true,
        text: expect.stringContaining('must be a DNS name such as example.com, or an IP address for PTR'),
      });
    }
    const type = await call(client, 'dns_lookup', { name: 'example.com', type: 'HINFO' });
    expect(type.isError).toBe(true);
    expect(type.text).toContain('type');
  });
});

describe('similar_alerts', () => {
  interface Seen {
    method: string | undefined;
    url: string | undefined;
    authorization: string | undefined;
    contentType: string | undefined;
    body: unknown;
  }
  const seen: Seen[] = [];
  const alerts = [
    {
      id: '6f1d3a52-2c0a-4d9e-9a53-0d8b1c6f7e21',
      fingerprint: 'fp-1',
      alertType: 'KubePodCrashLooping',
      severity: 'critical',
      status: 'resolved',
      summary: 'api crash-looping',
      match: 'fingerprint',
      occurrences: 3,
      startedAt: '2026-11-30T10:00:00.000Z',
      lastSeenAt: '2026-11-30T10:20:00.000Z',
      acknowledgedAt: null,
      resolvedAt: '2026-11-30T10:30:00.000Z',
      resolutionNote: 'rolled back to 1.4.2',
      analysis: null,
    },
  ];
  let runner: http.Server;
  let alertsUrl: string;

  beforeAll(async () => {
    // Stands in for the agent runner's endpoint: token tok-good is a live investigation, anything else is not.
    runner = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
        });
        const ok = req.headers.authorization === 'Bearer tok-good';
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(ok ? alerts : { message: 'unknown or expired investigation token' }));
      });
    });
    alertsUrl = `http://127.0.0.1:${await listen(runner)}/similar-alerts`;
  });

  afterAll(async () => {
    await new Promise((resolve) => runner.close(resolve));
  });

  it("asks the runner with the investigation's token and returns its answer as compact JSON", async () => {
    const client = await startTools({ VIGIL_ALERTS_URL: alertsUrl });
    const answer = await call(
      client,
      'similar_alerts',
      { fingerprint: 'fp-1', limit: 3 },
      { [TOKEN_META]: 'tok-good' },
    );
    expect(answer.isError).toBe(false);
    const { acknowledgedAt: _a, analysis: _b, ...withoutNulls } = alerts[0]!;
    expect(answer.text).toBe(JSON.stringify([withoutNulls]));
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/similar-alerts',
        authorization: 'Bearer tok-good',
        contentType: 'application/json',
        body: { fingerprint: 'fp-1', limit: 3 },
      },
    ]);

    // No arguments: an empty object, so the runner uses the investigated alert's own.
    await call(client, 'similar_alerts', {}, { [TOKEN_META]: 'tok-good' });
    expect(seen[1]!.body).toEqual({});
    expect(seen).toHaveLength(2);
  });

  it("passes on the runner's refusal of an expired token as a tool error", async () => {
    const client = await startTools({ VIGIL_ALERTS_URL: alertsUrl });
    const before = seen.length;
    expect(await call(client, 'similar_alerts', { alertType: 'X' }, { [TOKEN_META]: 'tok-old' })).toEqual({
      isError: true,
      text: 'similar_alerts failed: the alert service answered 401: unknown or expired investigation token',
    });
    expect(seen.slice(before).map((request) => request.authorization)).toEqual(['Bearer tok-old']);
  });

  it('says it works only inside an investigation when the token or the address is missing, asking no one', async () => {
    const before = seen.length;
    const expected = {
      isError: true,
      text: expect.stringContaining('similar_alerts is only available inside a Vigil investigation'),
    };
    const withUrl = await startTools({ VIGIL_ALERTS_URL: alertsUrl });
    expect(await call(withUrl, 'similar_alerts', { fingerprint: 'fp-1' })).toEqual(expected);
    const withoutUrl = await startTools();
    expect(await call(withoutUrl, 'similar_alerts', {}, { [TOKEN_META]: 'tok-good' })).toEqual(expected);
    expect(seen.length).toBe(before);
  });
});
