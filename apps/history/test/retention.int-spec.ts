// HISTORY_RETENTION_DAYS: a pass deletes the sessions that ended longer ago than that, with every one
// of their steps, and nothing else: not a recent session, not one still running, not another's steps.
import { randomBytes } from 'node:crypto';
import { isoMicros, nowMicros, RoutingKeys } from '@vigil/contracts';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { v7 as uuidv7 } from 'uuid';
import { historyApp } from '../src/history.app.js';
import { RetentionService } from '../src/retention/retention.service.js';

const DAY_US = 86_400_000_000n;

describe(`history retention (${TEST_MODE})`, () => {
  let h: TestHarness;
  const tenantId = `t-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    h = await TestHarness.service(historyApp, { config: { LOG_LEVEL: 'warn' }, env: { HISTORY_RETENTION_DAYS: '30' } });
  }, 60_000);
  afterAll(() => h?.close());

  const publish = (type: string, payload: Record<string, unknown>) => h.publish(type, { tenantId, payload });

  /** A session that started and ended `endedDaysAgo` days ago, with one tool listing; or one still running. */
  async function session(endedDaysAgo: number | null): Promise<string> {
    const sessionId = uuidv7();
    const endUs = nowMicros() - BigInt(endedDaysAgo ?? 0) * DAY_US;
    const startUs = endUs - 60_000_000n;
    const alert = { alertId: uuidv7(), alertType: 'disk-full', agentType: 'general' };
    await publish(RoutingKeys.AgentSessionStarted, {
      sessionId,
      sequence: 0,
      ...alert,
      alertData: { host: 'db-1' },
      trigger: 'alert',
      startedAt: isoMicros(startUs),
    });
    await publish(RoutingKeys.AgentMcpInteraction, {
      sessionId,
      sequence: 1,
      interactionId: uuidv7(),
      durationMs: 2,
      success: true,
      stepDescription: 'Listed the tools of vigil-tools (4 tools)',
      timestamp: isoMicros(startUs + 1_000n),
      serverName: 'vigil-tools',
      communicationType: 'tool_list',
    });
    if (endedDaysAgo !== null)
      await publish(RoutingKeys.AgentSessionCompleted, {
        sessionId,
        sequence: 2,
        ...alert,
        tokens: { prompt: 1, completion: 1, total: 2 },
        finalAnalysis: 'The disk filled with logs.',
        forcedConclusion: false,
        completedAt: isoMicros(endUs),
      });
    return sessionId;
  }

  const count = async (table: string, sessionId: string) =>
    Number(
      (
        await h
          .dataSource()
          .query(
            `SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ${h.dataSource().options.type === 'postgres' ? '$1' : '?'}`,
            [sessionId],
          )
      )[0].n,
    );

  const ended = async (sessionId: string): Promise<boolean> => {
    const placeholder = h.dataSource().options.type === 'postgres' ? '$1' : '?';
    const rows = (await h
      .dataSource()
      .query(`SELECT status FROM history_sessions WHERE session_id = ${placeholder}`, [sessionId])) as {
      status: string;
    }[];
    return rows[0]?.status === 'completed';
  };

  it('deletes the sessions past HISTORY_RETENTION_DAYS with their steps, and keeps the others', async () => {
    const old = await session(40);
    const recent = await session(2);
    const running = await session(null);
    for (const id of [old, recent, running])
      await waitFor(async () => (await count('history_mcp_interactions', id)) === 1, { what: `session ${id} stored` });
    await waitFor(async () => (await ended(old)) && (await ended(recent)), { what: 'the two sessions ended' });

    expect(await h.service.app.get(RetentionService).purge()).toBe(1);
    expect([await count('history_sessions', old), await count('history_mcp_interactions', old)]).toEqual([0, 0]);
    for (const kept of [recent, running])
      expect([await count('history_sessions', kept), await count('history_mcp_interactions', kept)]).toEqual([1, 1]);
    // A second pass finds nothing more.
    expect(await h.service.app.get(RetentionService).purge()).toBe(0);
    // Thirty-one days on, the recent one is past retention, and so is the one that never ended (last
    // heard of today).
    expect(await h.service.app.get(RetentionService).purge(nowMicros() + 31n * DAY_US)).toBe(2);
  });
});
