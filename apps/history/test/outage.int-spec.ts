// The history service across a database outage: events published while PostgreSQL cannot be reached
// wait in the service's queues without spending their attempts (nothing is dead-lettered, however
// long the outage), /health/ready answers 503 naming the database, and once it is back every event
// is stored exactly once and the service is ready again.
//
// The outage is a TCP proxy between the service and PostgreSQL, cut and restored by the test: the
// server that other suites use keeps running. The retry budget is two attempts (BUS_MAX_ATTEMPTS=2:
// one 200 ms retry), so each message is made to fail more often than that before the database returns.
//
// Embedded mode has no database server to lose (SQLite is a file inside the process): there the file
// is locked by another process for a while instead, and the same promises hold.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { jest } from '@jest/globals';
import { isoMicros, RoutingKeys } from '@vigil/contracts';
import {
  DATABASE_URL,
  freshPostgresDatabase,
  TcpProxy,
  TEST_MODE,
  TestHarness,
  waitFor,
  type FreshDatabase,
} from '@vigil/testing';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { historyApp } from '../src/history.app.js';

interface Event {
  type: string;
  payload: Record<string, unknown>;
}

const T0 = 1_796_000_000_000_000n;
const at = (offsetUs: number) => isoMicros(T0 + BigInt(offsetUs));

/** A whole completed session as the agent runner publishes it: start, LLM, tool list, failed tool call, LLM, end. */
function sessionEvents(sessionId: string): Event[] {
  const alertId = uuidv7();
  const step = (sequence: number) => ({
    sessionId,
    sequence,
    interactionId: uuidv7(),
    durationMs: 10,
    stepDescription: `step ${sequence}`,
    timestamp: at(sequence * 1_000),
  });
  const llm = (sequence: number): Event => ({
    type: RoutingKeys.AgentLlmInteraction,
    payload: {
      ...step(sequence),
      success: true,
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'why is the pod restarting?' }],
      response: `answer ${sequence}`,
      tokens: { prompt: 100, completion: 50, total: 150 },
    },
  });
  const session = { sessionId, alertId, alertType: 'kubernetes', agentType: 'kubernetes' };
  return [
    {
      type: RoutingKeys.AgentSessionStarted,
      payload: { ...session, sequence: 0, alertData: {}, trigger: 'alert', model: 'gpt-4o-mini', startedAt: at(0) },
    },
    llm(1),
    {
      type: RoutingKeys.AgentMcpInteraction,
      payload: {
        ...step(2),
        success: true,
        serverName: 'kubernetes',
        communicationType: 'tool_list',
        result: { tools: ['get_pods'] },
      },
    },
    {
      type: RoutingKeys.AgentMcpInteraction,
      payload: {
        ...step(3),
        success: false,
        error: 'connection refused',
        serverName: 'kubernetes',
        communicationType: 'tool_call',
        toolName: 'get_pods',
        arguments: { namespace: 'prod' },
      },
    },
    llm(4),
    {
      type: RoutingKeys.AgentSessionCompleted,
      payload: {
        ...session,
        sequence: 5,
        tokens: { prompt: 200, completion: 100, total: 300 },
        completedAt: at(2_500_000),
        finalAnalysis: 'The pod ran out of memory.',
        forcedConclusion: false,
      },
    },
  ];
}

const DEFERRED = /deferred without spending an attempt/;

/** better-sqlite3 (no type declarations installed). */
const SqliteDatabase = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options: { readonly: boolean },
) => { prepare(sql: string): { all(...params: string[]): unknown[] }; close(): void };

/** A process that holds a write transaction on the SQLite file it is given until its stdin closes. */
const LOCK_HOLDER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1]);
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\\n');
process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
process.stdin.resume();
`;

if (TEST_MODE === 'distributed') {
  describe('history across a database outage (distributed only)', () => {
    jest.setTimeout(120_000);
    const server = new URL(DATABASE_URL);
    const proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    let database: FreshDatabase;
    let h: TestHarness;
    /** Reads the service's tables directly (not through the proxy), as the server's superuser. */
    let reader: pg.Client;

    beforeAll(async () => {
      await proxy.start();
      // A database of our own: the service must reach it through the proxy from its first connection,
      // and the harness's own database has a name only once the harness is up.
      database = await freshPostgresDatabase('history_outage');
      const viaProxy = new URL(database.url);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      h = await TestHarness.service(historyApp, {
        port: 0,
        config: { LOG_LEVEL: 'warn', DATABASE_URL: viaProxy.href, BUS_MAX_ATTEMPTS: '2' },
      });
      reader = new pg.Client({ connectionString: database.url });
      await reader.connect();
    }, 60_000);

    afterAll(async () => {
      await proxy.start().catch(() => undefined); // the service closes its pool through it
      await h?.close();
      await proxy.cut();
      await reader?.end().catch(() => undefined);
      await database?.drop();
    });

    const ready = async () => {
      const response = await fetch(`${h.url}/health/ready`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const count = async (table: string, tenantId: string) =>
      Number(
        (
          await reader.query<{ n: string }>(`SELECT count(*) AS n FROM vigil_history.${table} WHERE tenant_id = $1`, [
            tenantId,
          ])
        ).rows[0]!.n,
      );
    const deferrals = (envelopeId: string) =>
      h.logs.filter((line) => line['envelopeId'] === envelopeId && DEFERRED.test(String(line['msg']))).length;
    const deadLetterQueue = () => h.broker.names.deadLetterQueue('history');
    const deadLettered = () =>
      h.logs
        .filter((line) => line['msg'] === 'message dead-lettered')
        .map((line) => ({ envelopeId: line['envelopeId'], reason: line['reason'] }));

    it('keeps the events queued while PostgreSQL is away, says so on /health/ready, and stores each once when it is back', async () => {
      const tenantId = `t-${randomBytes(6).toString('hex')}`;
      const publish = async (sessionId: string) => {
        const ids: string[] = [];
        for (const event of sessionEvents(sessionId))
          ids.push((await h.publish(event.type, { tenantId, payload: event.payload })).id);
        return ids;
      };

      // Through the proxy, before the outage: stored, and ready.
      const before = uuidv7();
      await publish(before);
      await waitFor(async () => (await count('history_sessions', tenantId)) === 1, {
        what: 'the session published before the outage stored',
      });
      expect((await ready()).status).toBe(200);

      await proxy.cut();
      const down = await waitFor(
        async () => {
          const answer = await ready();
          return answer.status === 200 ? undefined : answer;
        },
        { what: '/health/ready to notice the database is gone' },
      );
      expect(down.status).toBe(503);
      expect(down.body).toEqual(
        expect.objectContaining({
          status: 'error',
          info: { broker: expect.objectContaining({ status: 'up' }) },
          error: { database: expect.objectContaining({ status: 'down', message: expect.any(String) }) },
        }),
      );

      const during = [uuidv7(), uuidv7(), uuidv7()];
      const envelopeIds: string[] = [];
      for (const sessionId of during) envelopeIds.push(...(await publish(sessionId)));
      expect(envelopeIds).toHaveLength(18);

      // Each message fails more often than its two attempts allow (or, without the rule, is dead-lettered).
      await waitFor(() => deadLettered().length > 0 || envelopeIds.every((id) => deferrals(id) >= 3), {
        what: 'every event deferred three times',
        timeoutMs: 60_000,
      });
      expect(deadLettered()).toEqual([]);
      expect(await h.queues.depth(deadLetterQueue())).toBe(0);
      expect((await ready()).status).toBe(503);
      expect(await count('history_sessions', tenantId)).toBe(1);

      await proxy.start();
      await waitFor(async () => ((await ready()).status === 200 ? true : undefined), {
        what: '/health/ready back to 200',
      });
      await waitFor(
        async () => {
          const { rows } = await reader.query<{ n: string }>(
            'SELECT count(*) AS n FROM vigil_history.inbox WHERE envelope_id = ANY($1::uuid[])',
            [envelopeIds],
          );
          return Number(rows[0]!.n) === envelopeIds.length || undefined;
        },
        { what: 'every event published during the outage claimed in the inbox', timeoutMs: 30_000 },
      );

      // Exactly once: one inbox row per envelope, one row per session and per step, counts not doubled.
      const { rows: claims } = await reader.query<{ envelope_id: string; n: string }>(
        'SELECT envelope_id, count(*) AS n FROM vigil_history.inbox WHERE envelope_id = ANY($1::uuid[]) GROUP BY envelope_id',
        [envelopeIds],
      );
      expect(claims.map((c) => Number(c.n))).toEqual(envelopeIds.map(() => 1));
      expect(await count('history_sessions', tenantId)).toBe(4);
      expect(await count('history_llm_interactions', tenantId)).toBe(8);
      expect(await count('history_mcp_interactions', tenantId)).toBe(8);
      const { rows: sessions } = await reader.query(
        `SELECT session_id, status, llm_count, mcp_count, error_count, last_sequence, total_tokens
           FROM vigil_history.history_sessions WHERE tenant_id = $1 AND session_id = ANY($2::uuid[]) ORDER BY session_id`,
        [tenantId, during],
      );
      expect(sessions).toEqual(
        [...during].sort().map((sessionId) => ({
          session_id: sessionId,
          status: 'completed',
          llm_count: 2,
          mcp_count: 2,
          error_count: 1,
          last_sequence: 5,
          total_tokens: 300,
        })),
      );

      // Nothing left waiting or dead-lettered; ready.
      const names = h.broker.names;
      await waitFor(
        async () =>
          (await h.queues.depth(names.serviceQueue('history'))) === 0 &&
          (await h.queues.depth(names.retryQueue('history', 200))) === 0,
        { what: 'the history queues drained' },
      );
      expect(await h.queues.depth(deadLetterQueue())).toBe(0);
      expect(deadLettered()).toEqual([]);
      expect((await ready()).status).toBe(200);
    });
  });
} else {
  // Embedded: the SQLite file locked by another process (a backup, a sqlite3 shell) holding a write
  // transaction. Each write waits out the busy timeout and fails with SQLITE_BUSY, which must not spend
  // the messages' attempts either.
  describe('history while its SQLite file is locked (embedded)', () => {
    jest.setTimeout(120_000);
    let h: TestHarness;

    beforeAll(async () => {
      h = await TestHarness.service(historyApp, { config: { LOG_LEVEL: 'warn', BUS_MAX_ATTEMPTS: '2' } });
    }, 60_000);
    afterAll(() => h?.close());

    const deferrals = (envelopeId: string) =>
      h.logs.filter((line) => line['envelopeId'] === envelopeId && DEFERRED.test(String(line['msg']))).length;
    const deadLettered = () => h.logs.filter((line) => line['msg'] === 'message dead-lettered');
    // Read with the library the service writes with: a second SQLite library in this process would
    // release the service's file locks when it closes the file.
    const read = <T>(sql: string, ...params: string[]): T[] => {
      const db = new SqliteDatabase(path.join(h.dataDir.path, 'history.sqlite'), { readonly: true });
      try {
        return db.prepare(sql).all(...params) as T[];
      } finally {
        db.close();
      }
    };

    it('keeps the events waiting while another process holds the write lock, and stores each once after', async () => {
      const tenantId = `t-${randomBytes(6).toString('hex')}`;
      const sessionId = uuidv7();
      // Another process: SQLite's file locks do not hold between connections of one process.
      const lock = spawn(process.execPath, ['-e', LOCK_HOLDER, path.join(h.dataDir.path, 'history.sqlite')], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const exited = new Promise((resolve) => lock.once('exit', resolve));
      const envelopeIds: string[] = [];
      try {
        await new Promise<void>((resolve, reject) => {
          lock.stdout!.once('data', () => resolve());
          lock.once('exit', (code) => reject(new Error(`the lock holder exited with ${code}`)));
        });
        for (const event of sessionEvents(sessionId))
          envelopeIds.push((await h.publish(event.type, { tenantId, payload: event.payload })).id);
        // Each message fails more often than its two attempts allow (or, without the rule, is dead-lettered).
        await waitFor(() => deadLettered().length > 0 || envelopeIds.every((id) => deferrals(id) >= 3), {
          what: 'every event deferred three times',
          timeoutMs: 90_000,
        });
        expect(deadLettered()).toEqual([]);
        expect(await h.queues.depth(h.broker.names.deadLetterQueue('history'))).toBe(0);
        expect(read('SELECT session_id FROM history_sessions WHERE tenant_id = ?', tenantId)).toEqual([]);
      } finally {
        lock.stdin!.end();
        await exited;
      }

      const stored = await waitFor(
        () =>
          read<{ status: string; llm_count: number; mcp_count: number; last_sequence: number }>(
            'SELECT status, llm_count, mcp_count, last_sequence FROM history_sessions WHERE tenant_id = ? AND session_id = ?',
            tenantId,
            sessionId,
          ).find((row) => row.status === 'completed' && row.llm_count + row.mcp_count === 4),
        { what: 'the session stored once the lock is gone', timeoutMs: 30_000 },
      );
      expect(stored).toEqual({ status: 'completed', llm_count: 2, mcp_count: 2, last_sequence: 5 });
      const claims = read<{ n: number }>(
        `SELECT count(*) AS n FROM inbox WHERE envelope_id IN (${envelopeIds.map(() => '?').join(', ')}) GROUP BY envelope_id`,
        ...envelopeIds,
      );
      expect(claims.map((c) => c.n)).toEqual(envelopeIds.map(() => 1));
      expect(deadLettered()).toEqual([]);
    });
  });
}
