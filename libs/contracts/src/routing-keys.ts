/**
 * Event routing keys on the `vigil.events` topic exchange (docs/architecture.md, "Messages").
 * Shipped keys are never renamed: a payload change bumps the envelope's schemaVersion instead.
 */
export const RoutingKeys = {
  AlertCreated: 'alert.created',
  AlertUpdated: 'alert.updated',
  AlertAcknowledged: 'alert.acknowledged',
  AlertResolved: 'alert.resolved',
  AlertEscalated: 'alert.escalated',
  /** An investigation of the alert ended: its analysis (or why there is none) is on the alert. */
  AlertAnalysed: 'alert.analysed',
  AgentSessionStarted: 'agent.session.started',
  AgentLlmInteraction: 'agent.llm.interaction',
  AgentMcpInteraction: 'agent.mcp.interaction',
  AgentSessionCompleted: 'agent.session.completed',
  AgentSessionFailed: 'agent.session.failed',
  /** An investigation asked for through the API, queued for the agent runners. */
  AgentInvestigationRequested: 'agent.investigation.requested',
  NotificationDelivered: 'notification.delivered',
  NotificationFailed: 'notification.failed',
  /** An API key revoked or a user deactivated: every gateway replica drops it from its caches. */
  AuthCredentialRevoked: 'auth.credential.revoked',
  /** Alerts accepted by the gateway (answered 202), for the alert service to store. */
  IngestAlertsReceived: 'ingest.alerts.received',
  /** An authenticated payload the gateway could not map: stored raw with the reason. */
  IngestPayloadRejected: 'ingest.payload.rejected',
} as const;
export type RoutingKey = (typeof RoutingKeys)[keyof typeof RoutingKeys];

export const ROUTING_KEYS: readonly RoutingKey[] = Object.values(RoutingKeys);

export function isRoutingKey(value: string): value is RoutingKey {
  return (ROUTING_KEYS as readonly string[]).includes(value);
}
