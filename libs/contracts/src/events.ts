import {
  AgentLlmInteraction,
  AgentMcpInteraction,
  AgentSessionCompleted,
  AgentSessionFailed,
  AgentSessionStarted,
  InvestigationRequested,
} from './payloads/agent.js';
import { AlertAnalysed, AlertCreated, AlertEscalated, AlertStatusChanged, AlertUpdated } from './payloads/alert.js';
import { AlertsReceived, PayloadRejected } from './payloads/ingest.js';
import { NotificationDelivered, NotificationFailed } from './payloads/notification.js';
import { CredentialRevoked } from './payloads/user.js';
import { RoutingKeys, type RoutingKey } from './routing-keys.js';

/**
 * The payload class of every event routing key. Publishing goes through `EventPayload<K>`, so an
 * `alert.resolved` with another event's payload does not compile.
 */
export const EVENT_PAYLOAD_CLASSES = {
  [RoutingKeys.AlertCreated]: AlertCreated,
  [RoutingKeys.AlertUpdated]: AlertUpdated,
  [RoutingKeys.AlertAcknowledged]: AlertStatusChanged,
  [RoutingKeys.AlertResolved]: AlertStatusChanged,
  [RoutingKeys.AlertEscalated]: AlertEscalated,
  [RoutingKeys.AlertAnalysed]: AlertAnalysed,
  [RoutingKeys.AgentSessionStarted]: AgentSessionStarted,
  [RoutingKeys.AgentLlmInteraction]: AgentLlmInteraction,
  [RoutingKeys.AgentMcpInteraction]: AgentMcpInteraction,
  [RoutingKeys.AgentSessionCompleted]: AgentSessionCompleted,
  [RoutingKeys.AgentSessionFailed]: AgentSessionFailed,
  [RoutingKeys.AgentInvestigationRequested]: InvestigationRequested,
  [RoutingKeys.NotificationDelivered]: NotificationDelivered,
  [RoutingKeys.NotificationFailed]: NotificationFailed,
  [RoutingKeys.AuthCredentialRevoked]: CredentialRevoked,
  [RoutingKeys.IngestAlertsReceived]: AlertsReceived,
  [RoutingKeys.IngestPayloadRejected]: PayloadRejected,
} as const satisfies Record<RoutingKey, new () => object>;

/** The payload type of an event: `EventPayload<'alert.resolved'>` is AlertStatusChanged. */
export type EventPayload<K extends RoutingKey> = InstanceType<(typeof EVENT_PAYLOAD_CLASSES)[K]>;

/** An event before it is enveloped: its routing key and the payload that key requires. */
export type EventOf<K extends RoutingKey = RoutingKey> = {
  [Key in K]: { type: Key; payload: EventPayload<Key> };
}[K];
