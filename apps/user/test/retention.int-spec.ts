// Retention in the user service: a pass deletes the audit log entries older than AUDIT_RETENTION_DAYS
// (every tenant's) and the sign-in throttling records whose failure window and lock both ended more
// than LOGIN_ATTEMPTS_RETENTION_HOURS ago, and nothing else.
import { randomBytes, randomUUID } from 'node:crypto';
import { RpcPatterns } from '@vigil/contracts';
import { TEST_MODE, type TestHarness } from '@vigil/testing';
import { RETENTION_BATCH, RetentionService } from '../src/retention/retention.service.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startUserHarness } from './users.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MINUTE_MS = 60_000;

describe(`user retention (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await startUserHarness({
      VIGIL_ADMIN_EMAIL: ADMIN_EMAIL,
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      AUDIT_RETENTION_DAYS: '30',
      LOGIN_ATTEMPTS_RETENTION_HOURS: '2',
      LOGIN_FAILURE_WINDOW_SECONDS: '900',
    });
    await h.start();
  }, 60_000);
  afterAll(() => h?.close());

  const postgres = () => h.dataSource().options.type === 'postgres';
  /** `?` or `$n` placeholders, as the harness's data source wants them. */
  const query = <T>(text: string, params: unknown[] = []) => {
    let n = 0;
    return h.dataSource().query(postgres() ? text.replace(/\?/g, () => `$${++n}`) : text, params) as Promise<T[]>;
  };
  /** A time as TypeORM stores it: timestamptz, or UTC datetime text on SQLite. */
  const at = (ms: number) =>
    postgres() ? new Date(ms) : new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const count = async (table: string) =>
    Number((await query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
  const purge = (now?: Date) => h.service.app.get(RetentionService).purge(now);

  async function audit(tenantId: string, ageMs: number, rows = 1): Promise<void> {
    for (let i = 0; i < rows; i += 500) {
      const part = Math.min(500, rows - i);
      await query(
        `INSERT INTO audit_log (id, tenant_id, at, action, actor_type, actor_id, target_type, target_id, ip, details) VALUES ${Array(part).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        Array.from({ length: part }, () => [
          randomUUID(),
          tenantId,
          at(Date.now() - ageMs),
          'user.created',
          'user',
          'u-1',
          'user',
          'u-2',
          '203.0.113.7',
          '{}',
        ]).flat(),
      );
    }
  }

  it('deletes the audit entries past AUDIT_RETENTION_DAYS in every tenant, and keeps the others', async () => {
    // The entries the service wrote itself (its first admin, a sign-in): today's.
    await h.request(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD, ip: '203.0.113.7' });
    const own = await count('audit_log');
    expect(own).toBeGreaterThan(0);
    const [a, b] = [`t-${randomBytes(6).toString('hex')}`, `t-${randomBytes(6).toString('hex')}`];
    await audit(a, 40 * DAY_MS, 3);
    await audit(b, 31 * DAY_MS, 2);
    await audit(a, 29 * DAY_MS, 1);
    await audit(b, 20 * DAY_MS, 1);
    // Enough past retention for several batches.
    await audit(b, 400 * DAY_MS, RETENTION_BATCH * 2 + 5);

    expect((await purge()).audit).toBe(5 + RETENTION_BATCH * 2 + 5);
    expect(await count('audit_log')).toBe(own + 2);
    expect((await purge()).audit).toBe(0);
    // Two days on, the 29-day-old one is past retention; eleven, the 20-day-old one too.
    expect((await purge(new Date(Date.now() + 2 * DAY_MS))).audit).toBe(1);
    expect((await purge(new Date(Date.now() + 11 * DAY_MS))).audit).toBe(1);
    // A month on, the service's own entries (as TypeORM wrote them) are past retention too.
    expect((await purge(new Date(Date.now() + 31 * DAY_MS))).audit).toBe(own);
    expect(await count('audit_log')).toBe(0);
  });

  it('deletes the sign-in throttling records whose window and lock ended LOGIN_ATTEMPTS_RETENTION_HOURS ago', async () => {
    const now = Date.now();
    const rows: [string, number, number | null][] = [
      // [name, window started, locked until]
      ['spent', now - 3 * HOUR_MS, null],
      ['spent and unlocked long ago', now - 5 * HOUR_MS, now - 3 * HOUR_MS],
      ['window ended lately', now - 2 * HOUR_MS, null],
      ['lock ended lately', now - 3 * HOUR_MS, now - HOUR_MS],
      ['locked now', now - 10 * MINUTE_MS, now + 5 * MINUTE_MS],
    ];
    const keys = new Map(rows.map(([name]) => [name, randomBytes(32).toString('hex')]));
    for (const [name, started, locked] of rows)
      await query('INSERT INTO login_attempts (key, failures, window_started_at, locked_until) VALUES (?, ?, ?, ?)', [
        keys.get(name),
        3,
        at(started),
        locked === null ? null : at(locked),
      ]);
    // And one the service writes itself: a failed sign-in (an email and address record, an address record).
    const failure = await h.failure(RpcPatterns.UserLogin, { email: ADMIN_EMAIL, password: 'wrong', ip: '192.0.2.9' });
    expect(failure.status).toBe(401);
    expect(await count('login_attempts')).toBe(7);

    expect((await purge()).loginAttempts).toBe(2);
    const left = (await query<{ key: string }>('SELECT key FROM login_attempts')).map((r) => r.key);
    expect(
      rows
        .map(([name]) => name)
        .filter((name) => left.includes(keys.get(name)!))
        .sort(),
    ).toEqual(['lock ended lately', 'locked now', 'window ended lately']);
    expect((await purge()).loginAttempts).toBe(0);
    // Three hours on, every one has ended more than two hours ago, the service's own included.
    expect((await purge(new Date(now + 3 * HOUR_MS))).loginAttempts).toBe(5);
    expect(await count('login_attempts')).toBe(0);
  });
});
