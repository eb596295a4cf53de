import { RoutingKeys, type Envelope } from '@vigil/contracts';
import type { TopicKey } from './live-frames.js';

/** The events the gateway relays to WebSocket clients: an alert's lifecycle and investigations. */
export const ALERT_EVENTS = [
  RoutingKeys.AlertCreated,
  RoutingKeys.AlertUpdated,
  RoutingKeys.AlertAcknowledged,
  RoutingKeys.AlertResolved,
  RoutingKeys.AlertAnalysed,
] as const;
export const SESSION_EVENTS = [
  RoutingKeys.AgentSessionStarted,
  RoutingKeys.AgentSessionCompleted,
  RoutingKeys.AgentSessionFailed,
] as const;
export const STEP_EVENTS = [RoutingKeys.AgentLlmInteraction, RoutingKeys.AgentMcpInteraction] as const;
export const RELAYED_EVENTS: readonly string[] = [...ALERT_EVENTS, ...SESSION_EVENTS, ...STEP_EVENTS];

/** One relayed event, kept for replay; its frame is written once per topic and shared by every client. */
export interface LiveEvent {
  readonly id: string;
  readonly type: string;
  readonly topics: readonly TopicKey[];
  readonly payload: object;
  /** When this replica received it (epoch ms): the replay window counts from here. */
  readonly receivedAt: number;
  frames?: Map<TopicKey, Buffer>;
}

const topicOfKey = (key: TopicKey): string => key.split(':', 1)[0]!;

/**
 * The topics an event belongs to: an alert event to `alerts` and `alert:<id>`; a session's start and
 * end to `investigations` and `session:<id>`; an LLM or MCP step to `session:<id>`. None: not relayed.
 */
export function topicsOf(envelope: Envelope<object>): TopicKey[] {
  const payload = envelope.payload as { alert?: { alertId?: unknown }; sessionId?: unknown };
  if ((ALERT_EVENTS as readonly string[]).includes(envelope.type)) {
    const alertId = payload.alert?.alertId;
    return typeof alertId === 'string' ? ['alerts', `alert:${alertId}`] : ['alerts'];
  }
  const sessionId = typeof payload.sessionId === 'string' ? payload.sessionId : undefined;
  if ((SESSION_EVENTS as readonly string[]).includes(envelope.type))
    return sessionId ? ['investigations', `session:${sessionId}`] : ['investigations'];
  if ((STEP_EVENTS as readonly string[]).includes(envelope.type)) return sessionId ? [`session:${sessionId}`] : [];
  return [];
}

/**
 * The event frame for one topic, serialised and encoded once: every client is written the same bytes
 * (a string would be measured and encoded again for each).
 */
export function frameOf(event: LiveEvent, key: TopicKey): Buffer {
  event.frames ??= new Map();
  let frame = event.frames.get(key);
  if (frame === undefined) {
    frame = Buffer.from(
      JSON.stringify({
        type: 'event',
        topic: topicOfKey(key),
        id: event.id,
        event: event.type,
        data: event.payload,
      }),
    );
    event.frames.set(key, frame);
  }
  return frame;
}
