// Retention in the alert service: a pass deletes the rejected payloads older than
// ALERT_REJECTED_RETENTION_DAYS and the timeline entries older than ALERT_EVENTS_RETENTION_DAYS of
// alerts resolved longer ago than that (an open alert loses only its old repeat entries), in every
// tenant, and nothing else; a rejected body over ALERT_REJECTED_MAX_BODY_BYTES is kept cut, and says so.
import {
  alertIdOf,
  nowMicros,
  RoutingKeys,
  RpcPatterns,
  type AlertView,
  type Page,
  type RejectedPayloadView,
  type SimilarAlertView,
} from '@vigil/contracts';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { alertApp } from '../src/alert.app.js';
import { REJECTED_BATCH, RetentionService } from '../src/retention/retention.service.js';
import { ingest, tenant, USER } from './alerts.js';

const DAY_US = 86_400_000_000n;

describe(`alert retention (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await TestHarness.service(alertApp, {
      config: { LOG_LEVEL: 'warn' },
      env: {
        ALERT_REJECTED_RETENTION_DAYS: '30',
        ALERT_EVENTS_RETENTION_DAYS: '365',
        // Every repeat writes its own timeline entry.
        ALERT_OCCURRENCE_LOG_INTERVAL_MS: '0',
      },
    });
  }, 60_000);
  afterAll(() => h?.close());

  const rpc = <T>(pattern: string, tenantId: string, payload: object) =>
    h.request<T>(pattern, payload, { tenantId, actor: USER });
  const purge = (nowUs?: bigint) => h.service.app.get(RetentionService).purge(nowUs);
  /** `?` or `$n` placeholders, as the harness's data source wants them. */
  const sql = (text: string) => {
    let n = 0;
    return h.dataSource().options.type === 'postgres' ? text.replace(/\?/g, () => `$${++n}`) : text;
  };
  const query = <T>(text: string, params: unknown[] = []) => h.dataSource().query(sql(text), params) as Promise<T[]>;
  const count = async (text: string, params: unknown[]) =>
    Number((await query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${text}`, params))[0]!.n);

  const reject = (t: string, body: string) =>
    h.publish(RoutingKeys.IngestPayloadRejected, {
      tenantId: t,
      payload: { source: 'generic', reason: 'cannot map', body, contentType: 'text/plain' },
    });
  const rejectedOf = async (t: string, expected: number) =>
    waitFor(
      async () => {
        const page = await rpc<Page<RejectedPayloadView>>(RpcPatterns.AlertRejectedList, t, { limit: 200 });
        return page.items.length === expected ? page.items : undefined;
      },
      { what: `${expected} rejected payloads of ${t}` },
    );
  /** Moves rows back in time, as if they had been written `days` earlier. */
  const age = (table: string, column: string, days: number, where: string, params: unknown[]) =>
    query(`UPDATE ${table} SET ${column} = ${column} - ${BigInt(days) * DAY_US} WHERE ${where}`, params);

  it('deletes the rejected payloads past ALERT_REJECTED_RETENTION_DAYS in every tenant, and keeps the others', async () => {
    const [a, b] = [tenant(), tenant()];
    for (const body of ['a1', 'a2', 'a3']) await reject(a, body);
    for (const body of ['b1', 'b2']) await reject(b, body);
    const ofA = await rejectedOf(a, 3);
    const ofB = await rejectedOf(b, 2);
    const old = [ofA.find((r) => r.body === 'a1')!.id, ofA.find((r) => r.body === 'a2')!.id, ofB[0]!.id];
    for (const id of old) await age('rejected_payloads', 'received_at_us', 31, 'id = ?', [id]);
    // And many more, past retention too, so that the pass takes several batches.
    const extra = REJECTED_BATCH * 2 + 7;
    const now = Number(nowMicros() - 40n * DAY_US);
    for (let i = 0; i < extra; i += 500) {
      const rows = Array.from({ length: Math.min(500, extra - i) }, (_, k) => k + i);
      await query(
        `INSERT INTO rejected_payloads (tenant_id, id, received_at_us, source, doc) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        rows.flatMap((k) => [
          b,
          `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
          now,
          'generic',
          JSON.stringify({ reason: 'old', contentType: null, body: `old ${k}` }),
        ]),
      );
    }

    expect((await purge()).rejected).toBe(3 + extra);
    expect((await rejectedOf(a, 1)).map((r) => r.body)).toEqual(['a3']);
    expect((await rejectedOf(b, 1)).map((r) => r.body)).toEqual([ofB[1]!.body]);
    expect(await purge()).toEqual({ rejected: 0, events: 0 });
    // Thirty-one days on, the rest is past retention too.
    expect((await purge(nowMicros() + 31n * DAY_US)).rejected).toBe(2);
    expect(await count('rejected_payloads WHERE tenant_id IN (?, ?)', [a, b])).toBe(0);
  });

  it('deletes the old timeline of alerts resolved long ago, and of open alerts only their old repeats', async () => {
    const [t, u] = [tenant(), tenant()];
    // "open": created 400 days ago and repeating since; "done": resolved 400 days ago;
    // "lately": created 400 days ago, resolved today. And "done" again in another tenant.
    await ingest(h, t, [{ fingerprint: 'open' }, { fingerprint: 'done' }, { fingerprint: 'lately' }]);
    await ingest(h, u, [{ fingerprint: 'done' }]);
    await ingest(h, t, [{ fingerprint: 'open' }]);
    await ingest(h, t, [{ fingerprint: 'open' }]);
    const [open, done, lately, doneU] = [
      alertIdOf(t, 'open'),
      alertIdOf(t, 'done'),
      alertIdOf(t, 'lately'),
      alertIdOf(u, 'done'),
    ];
    const entries = (alertId: string) => count('alert_events WHERE alert_id = ?', [alertId]);
    await waitFor(async () => (await entries(open)) === 3, { what: 'open: created and two repeats' });
    for (const [tenantId, id] of [
      [t, done],
      [u, doneU],
    ] as const)
      await rpc<AlertView>(RpcPatterns.AlertResolve, tenantId, { id, note: 'rotated the logs' });
    for (const id of [done, lately, doneU]) await age('alert_events', 'at_us', 400, 'alert_id = ?', [id]);
    for (const id of [done, doneU]) await age('alerts', 'resolved_at_us', 400, 'id = ?', [id]);
    await age('alert_events', 'at_us', 400, 'alert_id = ?', [open]);
    await rpc<AlertView>(RpcPatterns.AlertResolve, t, { id: lately });
    expect(await Promise.all([open, done, lately, doneU].map(entries))).toEqual([3, 2, 2, 2]);

    // open: its two repeats; done (both tenants): created and resolved.
    expect((await purge()).events).toBe(2 + 2 + 2);
    const kinds = async (alertId: string) =>
      (await query<{ kind: string }>('SELECT kind FROM alert_events WHERE alert_id = ? ORDER BY at_us', [alertId])).map(
        (e) => e.kind,
      );
    expect(await kinds(open)).toEqual(['created']);
    expect(await kinds(done)).toEqual([]);
    expect(await kinds(doneU)).toEqual([]);
    expect(await kinds(lately)).toEqual(['created', 'resolved']);
    expect((await purge()).events).toBe(0);
    // The alert itself stays, and still says how it ended.
    const similar = await rpc<SimilarAlertView[]>(RpcPatterns.AlertSimilar, t, { fingerprint: 'done' });
    expect(similar.map((s) => [s.id, s.status, s.resolutionNote])).toEqual([[done, 'resolved', 'rotated the logs']]);
  });

  it('keeps a rejected body up to ALERT_REJECTED_MAX_BODY_BYTES (256 KiB), saying it was cut and how large it was', async () => {
    const t = tenant();
    const small = 'é'.repeat(1000);
    const large = `${'x'.repeat(262_143)}é${'y'.repeat(40_000)}`;
    await reject(t, small);
    await reject(t, large);
    const [cut, whole] = await rejectedOf(t, 2);
    expect(whole).toMatchObject({ body: small, reason: 'cannot map' });
    // The 2-byte character would have crossed the cap: the body stops before it.
    expect([cut!.body.length, /^x*$/.test(cut!.body)]).toEqual([262_143, true]);
    expect(cut!.reason).toBe(
      `cannot map (kept body cut to its first 262143 of ${262_143 + 2 + 40_000} bytes: ALERT_REJECTED_MAX_BODY_BYTES)`,
    );
    const [row] = await query<{ doc: string }>('SELECT doc FROM rejected_payloads WHERE id = ?', [cut!.id]);
    expect(JSON.parse(row!.doc)).toMatchObject({ receivedBytes: 302_145, truncated: true });
    expect(Buffer.byteLength(row!.doc)).toBeLessThan(262_144 + 300);
  });
});
