// What the alert suites send, in the shape the gateway gives it: received alerts and the
// ingest.alerts.received event that carries them.
import { randomBytes } from 'node:crypto';
import {
  alertIdOf,
  RoutingKeys,
  type Actor,
  type AlertSource,
  type Envelope,
  type ReceivedAlert,
} from '@vigil/contracts';
import type { TestHarness } from '@vigil/testing';

export type AlertInit = Partial<ReceivedAlert> & { fingerprint: string };

/** A ReceivedAlert as the gateway would publish it. */
export function receivedAlert(tenantId: string, init: AlertInit): ReceivedAlert {
  return {
    alertId: alertIdOf(tenantId, init.fingerprint),
    alertType: 'kubernetes',
    runbook: 'https://runbooks.example.com/k8s',
    severity: 'warning',
    timestamp: String(Date.now() * 1000),
    environment: 'production',
    status: 'firing',
    labels: { alertname: init.fingerprint },
    data: {},
    ...init,
  };
}

/** A tenant id of its own per test. */
export function tenant(): string {
  return `t-${randomBytes(6).toString('hex')}`;
}

export const USER: Actor = { kind: 'user', id: 'user-1' };

/** Publishes one ingest.alerts.received envelope; returns it. */
export function ingest(
  h: TestHarness,
  tenantId: string,
  alerts: AlertInit[],
  options: { source?: AlertSource; actor?: Actor } = {},
): Promise<Envelope<object>> {
  return h.publish(RoutingKeys.IngestAlertsReceived, {
    tenantId,
    payload: { source: options.source ?? 'api', alerts: alerts.map((a) => receivedAlert(tenantId, a)) },
    ...(options.actor ? { actor: options.actor } : {}),
  });
}
