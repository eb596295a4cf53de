// Gateway authentication benchmark: `npm run bench:auth`.
// Boots the standalone composition in this process (embedded broker, SQLite in a temp dir), then
// measures sequential keep-alive requests (fetch/undici), after a warm-up:
//   * GET /health/live            no credential (the baseline: same guard, no authentication)
//   * GET /api/v1/auth/whoami     API key (X-API-Key), verified key served from the gateway's cache
//   * GET /api/v1/auth/whoami     JWT (Bearer), verified token and user state from the gateway's caches
//   * GET /api/v1/auth/whoami     a JWT on its first use: signature checked (the token then joins the cache)
// whoami answers from the credential alone (no bus call), so p50(whoami) − p50(live) is the cost of
// authentication plus a slightly larger JSON body. Then sign-in latency (a slow password hash on purpose).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { JwtKeyring } from '@vigil/auth';
import { CommonConfig, loadConfig } from '@vigil/config';
import { startStandalone } from '@vigil/runtime';
import { JWT_KEYRING } from '../apps/gateway/src/tokens.js';
import { ALL_SERVICES } from '../apps/standalone/src/services.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 4_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_000);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 20);
const ROUNDS = 4; // the three routes take turns, so drift (GC, JIT) spreads over all of them
const ADMIN = { email: 'ops@vigil.local', password: 'orchid lantern tide pool 7' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(url: string, init: RequestInit = {}): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}`);
  return ms;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-auth-'));
  const own = {
    VIGIL_ADMIN_EMAIL: ADMIN.email,
    VIGIL_ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_PER_KEY_PER_MIN: '100000000',
    RATE_LIMIT_PER_TENANT_PER_MIN: '100000000',
    RATE_LIMIT_LOGIN_PER_IP_PER_MIN: '100000',
  };
  Object.assign(process.env, own); // services read their own variables from the environment at start-up
  const config = loadConfig(CommonConfig, { VIGIL_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const silent = new Writable({ write: (_chunk, _enc, done) => done() });
  const started = performance.now();
  const system = await startStandalone(ALL_SERVICES, config, { port: 0, logDestination: silent });
  const bootMs = performance.now() - started;
  try {
    const base = system.url;
    const login = async () => {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
      });
      if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { access_token: string };
    };
    const { access_token: jwt } = await login();
    const created = await fetch(`${base}/api/v1/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ name: 'bench', scopes: ['alerts:write'] }),
    });
    if (created.status !== 201)
      throw new Error(`creating the API key failed: ${created.status} ${await created.text()}`);
    const { key } = (await created.json()) as { key: string };

    const cases: { name: string; url: string; init: RequestInit }[] = [
      { name: 'GET /health/live (no credential)', url: `${base}/health/live`, init: {} },
      {
        name: 'GET /api/v1/auth/whoami (API key, cached)',
        url: `${base}/api/v1/auth/whoami`,
        init: { headers: { 'x-api-key': key } },
      },
      {
        name: 'GET /api/v1/auth/whoami (JWT, cached principal)',
        url: `${base}/api/v1/auth/whoami`,
        init: { headers: { authorization: `Bearer ${jwt}` } },
      },
    ];
    for (const c of cases) for (let i = 0; i < WARMUP; i++) await timed(c.url, c.init);
    const samples = cases.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, c] of cases.entries())
        for (let n = 0; n < SAMPLES / ROUNDS; n++) samples[i]!.push(await timed(c.url, c.init));
    }
    const stats = samples.map((s) => {
      const sorted = [...s].sort((x, y) => x - y);
      return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: s.length };
    });

    // A token's first use pays its signature check (then it is cached for a few seconds): fresh tokens
    // of the same user, signed with the gateway's own keyring, one request each.
    const keyring = system.services.find((s) => s.service === 'gateway')!.app.get<JwtKeyring>(JWT_KEYRING);
    const claims = await keyring.verify(jwt);
    const fresh: string[] = [];
    for (let i = 0; i < SAMPLES; i++)
      fresh.push(
        (await keyring.sign({ sub: claims.sub, tid: claims.tid, role: claims.role, pa: claims.pa }, 600)).token,
      );
    const firstUse: number[] = [];
    for (const token of fresh)
      firstUse.push(await timed(`${base}/api/v1/auth/whoami`, { headers: { authorization: `Bearer ${token}` } }));
    firstUse.sort((x, y) => x - y);

    const logins: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const t = performance.now();
      await login();
      logins.push(performance.now() - t);
    }
    logins.sort((x, y) => x - y);

    const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
    console.log(
      `\nVigil gateway authentication (standalone, in-process; booted in ${Math.round(bootMs)} ms; ${SAMPLES} sequential keep-alive requests per route after ${WARMUP} warm-up)\n`,
    );
    console.log(`${'route'.padEnd(52)}${'p50'.padStart(12)}${'p99'.padStart(12)}${'p50 added'.padStart(14)}`);
    for (const [i, c] of cases.entries()) {
      const added = i === 0 ? '' : fmt(stats[i]!.p50 - stats[0]!.p50);
      console.log(
        `${c.name.padEnd(52)}${fmt(stats[i]!.p50).padStart(12)}${fmt(stats[i]!.p99).padStart(12)}${added.padStart(14)}`,
      );
    }
    console.log(
      `${'GET /api/v1/auth/whoami (JWT, first use: signature)'.padEnd(52)}${fmt(percentile(firstUse, 50)).padStart(12)}${fmt(percentile(firstUse, 99)).padStart(12)}${fmt(percentile(firstUse, 50) - stats[0]!.p50).padStart(14)}`,
    );
    console.log(
      `${'POST /api/v1/auth/login (slow hash, on purpose)'.padEnd(52)}${fmt(percentile(logins, 50)).padStart(12)}${fmt(percentile(logins, 99)).padStart(12)}${`n=${LOGINS}`.padStart(14)}`,
    );
    const worst = Math.max(stats[1]!.p50 - stats[0]!.p50, stats[2]!.p50 - stats[0]!.p50);
    console.log(
      `\ntarget: < 0.300 ms p50 added by authentication → ${worst < 0.3 ? 'met' : 'NOT met'} (${fmt(worst)})\n`,
    );
  } finally {
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
