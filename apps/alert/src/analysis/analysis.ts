import {
  RoutingKeys,
  type AgentSessionCompleted,
  type AgentSessionFailed,
  type AgentSessionStarted,
  type AlertAnalysis,
  type AnalysisStatus,
  type Envelope,
} from '@vigil/contracts';
import { fromIso, toIso, type Micros } from '../alerts/time.js';
import type { TimelineDraft } from '../lifecycle/lifecycle.js';

/** An alert's latest investigation, as stored on the alert row. */
export interface AnalysisState {
  sessionId: string;
  status: AnalysisStatus;
  agent: string;
  /** The agent's answer (completed) or why there is none (failed, skipped); null while it runs. */
  text: string | null;
  completedAt: Micros | null;
}

/** What one agent.session.* event says about the alert's investigation. */
export type SessionEvent =
  | { kind: 'started'; sessionId: string; agent: string }
  | {
      kind: 'ended';
      sessionId: string;
      status: Exclude<AnalysisStatus, 'in_progress'>;
      agent: string;
      text: string;
      completedAt: Micros;
    };

/** An agent.session.started, .completed or .failed envelope. */
export type SessionEnvelope = Envelope<AgentSessionStarted | AgentSessionCompleted | AgentSessionFailed>;

/** What an agent.session.* envelope (validated by the bus) says about the alert's investigation. */
export function sessionEventOf(envelope: SessionEnvelope): SessionEvent {
  const { sessionId, agentType: agent } = envelope.payload;
  switch (envelope.type) {
    case RoutingKeys.AgentSessionStarted:
      return { kind: 'started', sessionId, agent };
    case RoutingKeys.AgentSessionCompleted: {
      const payload = envelope.payload as AgentSessionCompleted;
      const completedAt = fromIso(payload.completedAt);
      return { kind: 'ended', sessionId, agent, status: 'completed', text: payload.finalAnalysis, completedAt };
    }
    case RoutingKeys.AgentSessionFailed: {
      const payload = envelope.payload as AgentSessionFailed;
      const completedAt = fromIso(payload.completedAt);
      return { kind: 'ended', sessionId, agent, status: payload.status, text: payload.error, completedAt };
    }
    default:
      throw new Error(`not an agent session event: ${envelope.type}`);
  }
}

export type AnalysisDecision = { apply: true; next: AnalysisState; ended: boolean } | { apply: false; reason: string };

/** Characters of the analysis a timeline entry repeats. */
export const TIMELINE_TEXT_MAX = 280;

/**
 * Session ids are UUIDv7, minted by the agent runner when a session is opened, so their text order
 * is the order the sessions were opened in (lower-case hex; the case is ignored).
 */
function compareSessions(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Applies one session event to the alert's latest investigation. The alert keeps the session with
 * the greatest id (the one opened last): an older session's events are ignored, whatever order they
 * arrive in. Within one session the end wins: a late `started` does not reopen an ended session, and
 * a second end (another envelope for the same end) changes nothing. Pure.
 */
export function applySessionEvent(current: AnalysisState | null, event: SessionEvent): AnalysisDecision {
  const order = current ? compareSessions(event.sessionId, current.sessionId) : 1;
  if (order < 0) return { apply: false, reason: `an older session than ${current!.sessionId}` };
  if (order === 0) {
    if (event.kind === 'started') return { apply: false, reason: `session already ${current!.status}` };
    if (current!.status !== 'in_progress') return { apply: false, reason: `session already ${current!.status}` };
  }
  if (event.kind === 'started') {
    return {
      apply: true,
      ended: false,
      next: { sessionId: event.sessionId, status: 'in_progress', agent: event.agent, text: null, completedAt: null },
    };
  }
  return {
    apply: true,
    ended: true,
    next: {
      sessionId: event.sessionId,
      status: event.status,
      agent: event.agent,
      text: event.text,
      completedAt: event.completedAt,
    },
  };
}

export function analysisViewOf(state: AnalysisState): AlertAnalysis {
  return {
    sessionId: state.sessionId,
    status: state.status,
    agent: state.agent,
    text: state.text,
    completedAt: state.completedAt === null ? null : toIso(state.completedAt),
  };
}

/** A text on one line, at most `max` characters (an ellipsis marks a cut, never inside a surrogate pair). */
export function shortText(text: string, max = TIMELINE_TEXT_MAX): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/** The `analysed` timeline entry of an ended session. */
export function analysedEntry(state: AnalysisState): TimelineDraft {
  return {
    kind: 'analysed',
    at: state.completedAt!,
    by: null,
    note: null,
    details: {
      sessionId: state.sessionId,
      status: state.status,
      agent: state.agent,
      text: shortText(state.text ?? ''),
    },
  };
}

/**
 * The alert's investigations, newest first: the latest (`analysis`) and every one whose end the
 * timeline recorded (`analysed` entries), each once.
 */
export function sessionIdsOf(
  latest: { sessionId: string } | null,
  timeline: readonly { kind: string; details: Record<string, unknown> }[],
): string[] {
  const ids = new Set<string>(latest ? [latest.sessionId.toLowerCase()] : []);
  for (const entry of timeline)
    if (entry.kind === 'analysed' && typeof entry.details['sessionId'] === 'string')
      ids.add(entry.details['sessionId'].toLowerCase());
  return [...ids].sort((a, b) => compareSessions(b, a));
}
