// Escalation steps on the alert's timeline: the notification service publishes alert.escalated for
// each step of a policy; the alert service records it once (a redelivery is no second entry), and
// only on the envelope's own tenant's alert.
import {
  alertIdOf,
  createEnvelope,
  RoutingKeys,
  RpcPatterns,
  type AlertEscalated,
  type AlertWithTimeline,
} from '@vigil/contracts';
import { TEST_MODE, TestHarness, waitFor } from '@vigil/testing';
import { alertApp } from '../src/alert.app.js';
import { ingest, tenant, USER } from './alerts.js';

describe(`escalation steps on the alert's timeline (${TEST_MODE})`, () => {
  let h: TestHarness;
  beforeAll(async () => {
    h = await TestHarness.service(alertApp, { watch: ['alert.*'] });
  }, 60_000);
  afterAll(() => h?.close());

  const get = (t: string, id: string) =>
    h.request<AlertWithTimeline>(RpcPatterns.AlertGet, { id }, { tenantId: t, actor: USER });
  const escalation = (t: string, alert: AlertWithTimeline, level: number) =>
    createEnvelope<AlertEscalated>({
      tenantId: t,
      type: RoutingKeys.AlertEscalated,
      payload: {
        alert: {
          alertId: alert.id,
          fingerprint: alert.fingerprint,
          alertType: alert.alertType,
          severity: alert.severity,
          status: alert.status,
          labels: alert.labels,
          occurrences: alert.occurrences,
          silenced: false,
          startedAt: alert.startedAt,
          lastSeenAt: alert.lastSeenAt,
        },
        level,
        reason: `escalation policy p-1: step ${level} of round 1, nobody acknowledged the alert`,
      },
    });

  it('records each step once, with its level and reason, even when the step is delivered twice', async () => {
    const t = tenant();
    await ingest(h, t, [{ fingerprint: 'esc', severity: 'critical' }]);
    const id = alertIdOf(t, 'esc');
    const alert = await waitFor(() => get(t, id).catch(() => undefined), { what: 'the alert' });
    const first = escalation(t, alert, 1);
    await h.publishRaw(first);
    await h.publishRaw(first); // a redelivery: the same envelope
    await h.publishRaw(escalation(t, alert, 2));
    const escalated = await waitFor(
      async () => {
        const entries = (await get(t, id)).timeline.filter((e) => e.kind === 'escalated');
        return entries.length >= 2 ? entries : undefined;
      },
      { what: 'two escalation entries' },
    );
    // A later event of the same queue has been handled: the redelivered copy is not coming.
    await h.publishRaw(escalation(t, alert, 3));
    const all = await waitFor(
      async () => {
        const entries = (await get(t, id)).timeline.filter((e) => e.kind === 'escalated');
        return entries.length >= 3 ? entries : undefined;
      },
      { what: 'three escalation entries' },
    );
    expect(escalated.map((e) => e.details['level']).sort()).toEqual([1, 2]);
    expect(all.map((e) => e.details['level']).sort()).toEqual([1, 2, 3]);
    expect(all.find((e) => e.details['level'] === 1)).toMatchObject({
      kind: 'escalated',
      at: first.occurredAt,
      by: null,
      note: 'escalation policy p-1: step 1 of round 1, nobody acknowledged the alert',
    });
  });

  it("drops a step naming another tenant's alert, which stays as it was", async () => {
    const [a, b] = [tenant(), tenant()];
    await ingest(h, a, [{ fingerprint: 'mine' }]);
    const id = alertIdOf(a, 'mine');
    const alert = await waitFor(() => get(a, id).catch(() => undefined), { what: 'the alert' });
    const foreign = escalation(b, alert, 1);
    await h.publishRaw(foreign);
    await waitFor(
      () =>
        h.logs.find(
          (line) =>
            line['envelopeId'] === foreign.id &&
            line['msg'] === 'escalation step for an alert this tenant does not have: dropped',
        ),
      { what: 'the dropped step' },
    );
    expect((await get(a, id)).timeline.map((e) => e.kind)).toEqual(['created']);
  });
});
