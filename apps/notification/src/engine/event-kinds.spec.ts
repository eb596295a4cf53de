import { RoutingKeys, type AlertSnapshot } from '@vigil/contracts';
import { alertChangeOf } from './event-kinds.js';

function alert(overrides: Partial<AlertSnapshot> = {}): AlertSnapshot {
  return {
    alertId: '0190a6f0-0000-7000-8000-000000000001',
    fingerprint: 'fp',
    alertType: 'KubePodCrashLooping',
    severity: 'critical',
    status: 'triggered',
    labels: { service: 'payments', env: 'prod' },
    occurrences: 1,
    silenced: false,
    startedAt: '2026-01-01T00:00:00.000000Z',
    lastSeenAt: '2026-01-01T00:00:00.000000Z',
    ...overrides,
  };
}

describe('alert changes', () => {
  it('maps each alert.* event to the change it announces', () => {
    expect(alertChangeOf(RoutingKeys.AlertCreated, { alert: alert() })?.kind).toBe('created');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'retriggered' })?.kind).toBe(
      'retriggered',
    );
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'analysis' })?.kind).toBe('analysed');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'occurrence' })?.kind).toBe('occurrence');
    expect(alertChangeOf(RoutingKeys.AlertUpdated, { alert: alert(), change: 'silenced' })).toBeNull();
    const ack = alertChangeOf(RoutingKeys.AlertAcknowledged, {
      alert: alert({ status: 'acknowledged' }),
      by: 'user-1',
      note: 'on it',
    });
    expect(ack).toMatchObject({ kind: 'acknowledged', by: 'user-1', note: 'on it' });
    expect(alertChangeOf(RoutingKeys.AlertResolved, { alert: alert({ status: 'resolved' }), by: 'source' })?.kind).toBe(
      'resolved',
    );
    const analysis = {
      sessionId: alert().alertId,
      status: 'completed' as const,
      agent: 'k8s',
      text: 'OOM',
      completedAt: null,
    };
    expect(alertChangeOf(RoutingKeys.AlertAnalysed, { alert: alert(), analysis })).toMatchObject({
      kind: 'analysed',
      analysis,
    });
  });

  it('tells of an analysis only when it has an answer', () => {
    const analysis = { sessionId: alert().alertId, agent: 'k8s', completedAt: null };
    expect(
      alertChangeOf(RoutingKeys.AlertAnalysed, {
        alert: alert(),
        analysis: { ...analysis, status: 'skipped', text: 'no model is configured' },
      }),
    ).toBeNull();
    expect(
      alertChangeOf(RoutingKeys.AlertAnalysed, {
        alert: alert(),
        analysis: { ...analysis, status: 'failed', text: 'timeout' },
      }),
    ).toBeNull();
  });

  it('never notifies a silenced alert', () => {
    expect(alertChangeOf(RoutingKeys.AlertCreated, { alert: alert({ silenced: true }) })).toBeNull();
    expect(alertChangeOf(RoutingKeys.AlertResolved, { alert: alert({ silenced: true }), by: 'source' })).toBeNull();
  });
});
