// The alert's analysis and similar alerts over the real bus (embedded broker + SQLite, or RabbitMQ +
// PostgreSQL with row-level security): agent.session.* events published as the agent runner does,
// alert.analysed observed, and the alert.alerts.get / alert.alerts.similar RPCs the gateway and the
// similar_alerts tool call.
import {
  alertIdOf,
  createEnvelope,
  isoMicros,
  nowMicros,
  RoutingKeys,
  RpcPatterns,
  type AlertAnalysed,
  type AlertWithTimeline,
  type Envelope,
  type SimilarAlertView,
} from '@vigil/contracts';
import { RpcRemoteError } from '@vigil/messaging';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { v7 as uuidv7 } from 'uuid';
import { alertApp } from '../src/alert.app.js';
import { ingest, tenant, USER } from './alerts.js';

const TOKENS = { prompt: 10, completion: 5, total: 15 };

function started(alertId: string, sessionId: string, agentType = 'kubernetes') {
  return {
    type: RoutingKeys.AgentSessionStarted,
    payload: {
      sessionId,
      sequence: 0,
      alertId,
      alertType: 'kubernetes',
      agentType,
      alertData: { fingerprint: 'x' },
      trigger: 'alert',
      model: 'gpt-4o-mini',
      startedAt: isoMicros(nowMicros()),
    },
  };
}

function completed(alertId: string, sessionId: string, finalAnalysis: string, agentType = 'kubernetes') {
  return {
    type: RoutingKeys.AgentSessionCompleted,
    payload: {
      sessionId,
      sequence: 4,
      alertId,
      alertType: 'kubernetes',
      agentType,
      tokens: TOKENS,
      finalAnalysis,
      forcedConclusion: false,
      completedAt: isoMicros(nowMicros()),
    },
  };
}

function failed(alertId: string, sessionId: string, status: 'failed' | 'skipped', error: string) {
  return {
    type: RoutingKeys.AgentSessionFailed,
    payload: {
      sessionId,
      sequence: 1,
      alertId,
      alertType: 'kubernetes',
      agentType: 'kubernetes',
      tokens: TOKENS,
      status,
      error,
      completedAt: isoMicros(nowMicros()),
    },
  };
}

describe(`alert analysis and similar alerts (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await TestHarness.service(alertApp, { watch: ['alert.*'], config: { LOG_LEVEL: 'info', BUS_PREFETCH: '200' } });
  }, 60_000);
  afterAll(() => h?.close());

  const rpc = <T>(pattern: string, tenantId: string, payload: object) =>
    h.request<T>(pattern, payload, { tenantId, actor: USER });
  const get = (t: string, id: string) => rpc<AlertWithTimeline>(RpcPatterns.AlertGet, t, { id });
  const similar = (t: string, query: object) => rpc<SimilarAlertView[]>(RpcPatterns.AlertSimilar, t, query);
  /** The alert once it exists and satisfies `ok`. */
  const settled = (t: string, id: string, ok: (a: AlertWithTimeline) => boolean = () => true) =>
    waitFor(
      async () => {
        const alert = await get(t, id).catch(() => undefined);
        return alert && ok(alert) ? alert : undefined;
      },
      { what: `alert ${id}` },
    );
  /** Publishes a session event as the agent runner would, in a fresh envelope; returns it. */
  const send = (t: string, event: { type: string; payload: object }) =>
    h.publish(event.type, { tenantId: t, payload: event.payload });
  /** The service's log line about one envelope, once it was handled. */
  const logged = (envelope: Envelope<object>, msg: string) =>
    waitFor(() => h.logs.find((line) => line['envelopeId'] === envelope.id && line['msg'] === msg), {
      what: `log "${msg}" for ${envelope.type} ${envelope.id}`,
    });
  const analysedOf = (alertId: string) =>
    h.eventsOf<AlertAnalysed>(RoutingKeys.AlertAnalysed).filter((e) => e.payload.alert.alertId === alertId);
  const alertEventsOf = (alertId: string) =>
    h.events.filter((e) => (e.payload['alert'] as { alertId: string } | undefined)?.alertId === alertId);
  const NOT_APPLIED = 'agent session event not applied';
  const DROPPED = 'agent session event for an alert this tenant does not have: dropped';

  it('keeps the session on the alert: started → in_progress, completed → the analysis, one analysed entry and one alert.analysed even when the end comes twice', async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'a' }]);
    const id = alertIdOf(t, 'a');
    expect((await settled(t, id)).analysis).toBeNull();

    const session = uuidv7();
    await send(t, started(id, session));
    const running = await settled(t, id, (a) => a.analysis !== null);
    expect(running.analysis).toEqual({
      sessionId: session,
      status: 'in_progress',
      agent: 'kubernetes',
      text: null,
      completedAt: null,
    });
    expect(running.timeline.map((e) => e.kind)).toEqual(['created']);

    const text = 'Disk full on node-3:\n/var/log grew 40 GB in an hour. Rotate the logs.';
    const end = createEnvelope({ tenantId: t, ...completed(id, session, text) });
    await h.publishRaw(end);
    await h.publishRaw(end); // a redelivery: the same envelope
    const twin = createEnvelope({ tenantId: t, ...completed(id, session, 'a second end of the same session') });
    await h.publishRaw(twin); // another envelope for the same end
    const done = await settled(t, id, (a) => a.analysis?.status === 'completed');
    const completedAt = (end.payload as { completedAt: string }).completedAt;
    expect(done.analysis).toEqual({ sessionId: session, status: 'completed', agent: 'kubernetes', text, completedAt });
    expect(await logged(twin, NOT_APPLIED)).toMatchObject({ reason: 'session already completed', alertId: id });

    // A later ended session of another alert shows the queue got past the copies.
    await ingest(h, t, [{ fingerprint: 'marker' }]);
    const marker = alertIdOf(t, 'marker');
    await settled(t, marker);
    await send(t, failed(marker, uuidv7(), 'skipped', 'no LLM configured'));
    await waitFor(() => (analysedOf(marker).length ? true : undefined), { what: 'alert.analysed of the marker' });

    const after = await get(t, id);
    expect(after.analysis).toEqual(done.analysis);
    expect(after.timeline.map((e) => e.kind)).toEqual(['created', 'analysed']);
    expect(after.timeline[1]).toMatchObject({
      at: completedAt,
      by: null,
      details: {
        sessionId: session,
        status: 'completed',
        agent: 'kubernetes',
        text: 'Disk full on node-3: /var/log grew 40 GB in an hour. Rotate the logs.',
      },
    });
    const analysed = analysedOf(id);
    expect(analysed).toHaveLength(1);
    expect(analysed[0]).toMatchObject({
      tenantId: t,
      payload: {
        alert: { alertId: id, fingerprint: 'a', status: 'triggered', occurrences: 1 },
        analysis: { sessionId: session, status: 'completed', agent: 'kubernetes', text, completedAt },
      },
    });
    // alert.analysed is the one notification: no alert.updated beside it.
    expect(alertEventsOf(id).map((e) => e.type)).toEqual(['alert.created', 'alert.analysed']);
  });

  it('keeps failed and skipped sessions with their reason; the newest session wins whatever order events arrive in', async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'o' }]);
    const id = alertIdOf(t, 'o');
    await settled(t, id);
    const [older, current, newer] = [uuidv7(), uuidv7(), uuidv7()];

    await send(t, started(id, current));
    await send(t, failed(id, current, 'failed', 'the model did not answer within 60 s'));
    const failedOne = await settled(t, id, (a) => a.analysis?.status === 'failed');
    expect(failedOne.analysis).toMatchObject({
      sessionId: current,
      text: 'the model did not answer within 60 s',
      completedAt: expect.stringMatching(/^\d{4}-.+\.\d{6}Z$/),
    });

    // Late: the start of the ended session, and both events of an older session.
    const lateStart = await send(t, started(id, current));
    const olderEnd = await send(t, completed(id, older, 'stale analysis'));
    const olderStart = await send(t, started(id, older));
    expect(await logged(lateStart, NOT_APPLIED)).toMatchObject({ reason: 'session already failed' });
    expect(await logged(olderEnd, NOT_APPLIED)).toMatchObject({ reason: `an older session than ${current}` });
    expect(await logged(olderStart, NOT_APPLIED)).toMatchObject({ reason: `an older session than ${current}` });
    expect((await get(t, id)).analysis).toEqual(failedOne.analysis);

    // A newer session whose end arrives before its start.
    await send(t, failed(id, newer, 'skipped', 'no LLM is configured (OPENAI_BASE_URL is not set)'));
    const skipped = await settled(t, id, (a) => a.analysis?.status === 'skipped');
    const newerStart = await send(t, started(id, newer));
    expect(await logged(newerStart, NOT_APPLIED)).toMatchObject({ reason: 'session already skipped' });
    const final = await get(t, id);
    expect(final.analysis).toEqual({
      sessionId: newer,
      status: 'skipped',
      agent: 'kubernetes',
      text: 'no LLM is configured (OPENAI_BASE_URL is not set)',
      completedAt: skipped.analysis!.completedAt,
    });
    expect(final.timeline.map((e) => e.kind)).toEqual(['created', 'analysed', 'analysed']);
    expect(final.timeline.map((e) => e.details['sessionId'] ?? null)).toEqual([null, current, newer]);
    await waitFor(() => (analysedOf(id).length === 2 ? true : undefined), { what: 'two alert.analysed' });
    expect(analysedOf(id).map((e) => [e.payload.analysis.sessionId, e.payload.analysis.status])).toEqual([
      [current, 'failed'],
      [newer, 'skipped'],
    ]);
  });

  it("drops, with a log line, a session event for another tenant's alert or for no alert", async () => {
    const owner = tenant();
    const other = tenant();
    await ingest(h, owner, [{ fingerprint: 'mine' }]);
    const id = alertIdOf(owner, 'mine');
    await settled(owner, id);
    const session = uuidv7();
    const foreignStart = await send(other, started(id, session));
    const foreignEnd = await send(other, completed(id, session, 'leaked analysis'));
    const missing = alertIdOf(owner, 'never-sent');
    const unknown = await send(owner, completed(missing, uuidv7(), 'nothing to attach to'));
    expect(await logged(foreignStart, DROPPED)).toMatchObject({ tenantId: other, alertId: id, level: 'warn' });
    expect(await logged(foreignEnd, DROPPED)).toMatchObject({ tenantId: other, alertId: id });
    expect(await logged(unknown, DROPPED)).toMatchObject({ tenantId: owner, alertId: missing });

    const alert = await get(owner, id);
    expect(alert.analysis).toBeNull();
    expect(alert.timeline.map((e) => e.kind)).toEqual(['created']);
    const notFound = await get(other, id).then(
      () => undefined,
      (error: unknown) => error as RpcRemoteError,
    );
    expect(notFound?.status).toBe(404);
    expect(analysedOf(id)).toHaveLength(0);
    expect(analysedOf(missing)).toHaveLength(0);
  });

  it('answers similar alerts: same fingerprint first, then same type newest first, without the excluded one, at most limit, only the tenant’s, with completed analyses only', async () => {
    const t = tenant();
    const other = tenant();
    // Ingested one after the other, so their last-seen times increase: d1 < d2 < d3 < current.
    for (const [fingerprint, alertType] of [
      ['d1', 'disk'],
      ['d2', 'disk'],
      ['d3', 'disk'],
      ['c1', 'cpu'],
      ['current', 'disk'],
    ] as const) {
      await ingest(h, t, [{ fingerprint, alertType, summary: `${fingerprint} summary` }]);
      await settled(t, alertIdOf(t, fingerprint));
    }
    await ingest(h, other, [{ fingerprint: 'd2', alertType: 'disk' }]);
    await settled(other, alertIdOf(other, 'd2'));
    const [d1, d2, d3, current] = ['d1', 'd2', 'd3', 'current'].map((f) => alertIdOf(t, f)) as [
      string,
      string,
      string,
      string,
    ];
    await rpc(RpcPatterns.AlertAcknowledge, t, { id: d2 });
    await rpc(RpcPatterns.AlertResolve, t, { id: d2, note: 'rotated the logs' });
    const session = uuidv7();
    await send(t, completed(d3, session, 'inode exhaustion on /data'));
    await settled(t, d3, (a) => a.analysis?.status === 'completed');
    // A failed investigation's text is its error, not an analysis: the tool gives none for d1.
    await send(t, failed(d1, uuidv7(), 'failed', 'the model call failed: 503 overloaded'));
    await settled(t, d1, (a) => a.analysis?.status === 'failed');

    const found = await similar(t, { fingerprint: 'd2', alertType: 'disk', excludeId: current });
    expect(found.map((a) => [a.fingerprint, a.match])).toEqual([
      ['d2', 'fingerprint'],
      ['d3', 'alert_type'],
      ['d1', 'alert_type'],
    ]);
    expect(found[0]).toEqual({
      id: d2,
      fingerprint: 'd2',
      alertType: 'disk',
      severity: 'warning',
      status: 'resolved',
      summary: 'd2 summary',
      match: 'fingerprint',
      occurrences: 1,
      startedAt: expect.stringMatching(/Z$/),
      lastSeenAt: expect.stringMatching(/Z$/),
      acknowledgedAt: expect.stringMatching(/Z$/),
      resolvedAt: expect.stringMatching(/Z$/),
      resolutionNote: 'rotated the logs',
      analysis: null,
    });
    expect(found[1]).toMatchObject({
      id: d3,
      status: 'triggered',
      resolvedAt: null,
      analysis: 'inode exhaustion on /data',
    });
    expect(found[2]).toMatchObject({ id: d1, resolutionNote: null, analysis: null });

    // Without an exclusion the alert itself is the newest; limit cuts the answer.
    expect((await similar(t, { alertType: 'disk' })).map((a) => a.id)).toEqual([current, d3, d2, d1]);
    expect((await similar(t, { alertType: 'disk', limit: 2 })).map((a) => a.id)).toEqual([current, d3]);
    expect((await similar(t, { fingerprint: 'd2', alertType: 'disk', limit: 1 })).map((a) => a.id)).toEqual([d2]);
    expect((await similar(t, { fingerprint: 'd3' })).map((a) => [a.id, a.match])).toEqual([[d3, 'fingerprint']]);
    expect(await similar(t, { fingerprint: 'd3', excludeId: d3 })).toEqual([]);
    expect(await similar(t, { alertType: 'memory' })).toEqual([]);

    // A new episode of d2: its last resolution note still says how it ended before.
    await ingest(h, t, [{ fingerprint: 'd2', alertType: 'disk' }]);
    await settled(t, d2, (a) => a.status === 'triggered');
    expect(await similar(t, { fingerprint: 'd2' })).toEqual([
      expect.objectContaining({ id: d2, status: 'triggered', resolvedAt: null, resolutionNote: 'rotated the logs' }),
    ]);

    // Another tenant sees only its own.
    expect((await similar(other, { alertType: 'disk' })).map((a) => a.id)).toEqual([alertIdOf(other, 'd2')]);
    expect(await similar(other, { fingerprint: 'd3' })).toEqual([]);
  });

  it('refuses a similar-alerts request without fingerprint and type, or with a limit over 50, naming the field', async () => {
    const t = tenant();
    for (const query of [{}, { fingerprint: '', alertType: '' }, { excludeId: alertIdOf(t, 'x'), limit: 5 }]) {
      const failure = await h.failure(RpcPatterns.AlertSimilar, query, { tenantId: t, actor: USER });
      expect(failure).toMatchObject({ status: 400, message: 'fingerprint or alertType: at least one is required' });
    }
    const tooMany = await h.failure(RpcPatterns.AlertSimilar, { alertType: 'disk', limit: 51 }, { tenantId: t });
    expect(tooMany.status).toBe(400);
    expect(tooMany.message).toContain('limit');
  });
});
