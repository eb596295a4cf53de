import type { AlertSnapshot } from '@vigil/contracts';

const MINUTE_MS = 60_000;

/** What the engine needs of an escalation policy. */
export interface EscalationPolicySpec {
  id: string;
  /** Run in order: each step waits its minutes after the previous one (the first after the alert), then notifies its channels. */
  steps: readonly { waitMinutes: number; channelIds: readonly string[] }[];
  /** How many more times the whole sequence runs after the first. */
  repeat: number;
}

/** An alert's escalation on one route, as stored between steps. */
export interface EscalationState {
  /** The step that runs next (0-based). */
  step: number;
  /** Rounds of the steps already completed. */
  round: number;
  /** When the next step runs; null once stopped or finished. */
  nextAt: number | null;
  stopped: EscalationStop | null;
}

export type EscalationStop = 'acknowledged' | 'resolved' | 'silenced' | 'finished';

/** One step that is due: who to notify, numbered from 1 for the message and the timeline. */
export interface EscalationStep {
  step: number;
  repeat: number;
  channelIds: readonly string[];
}

/** Only critical and high alerts escalate, and only while nobody has taken them. */
export function escalates(alert: AlertSnapshot): boolean {
  return (
    (alert.severity === 'critical' || alert.severity === 'high') && alert.status === 'triggered' && !alert.silenced
  );
}

/** The escalation of an alert that has just fired, or null when it does not escalate. */
export function startEscalation(
  policy: EscalationPolicySpec,
  alert: AlertSnapshot,
  now: number,
): EscalationState | null {
  if (!escalates(alert) || policy.steps.length === 0) return null;
  return { step: 0, round: 0, nextAt: now + policy.steps[0]!.waitMinutes * MINUTE_MS, stopped: null };
}

/**
 * The step due at `now`, if any, and the escalation after it: the next step (or the first again, for
 * another round, `repeat` more times) waits its own minutes; after the last step of the last round it is finished.
 */
export function dueStep(
  policy: EscalationPolicySpec,
  state: EscalationState,
  now: number,
): { step: EscalationStep | null; next: EscalationState } {
  if (state.stopped || state.nextAt === null || state.nextAt > now) return { step: null, next: state };
  const current = policy.steps[state.step];
  if (!current) return { step: null, next: { ...state, nextAt: null, stopped: 'finished' } };
  const step: EscalationStep = { step: state.step + 1, repeat: state.round + 1, channelIds: current.channelIds };
  const lastStep = state.step + 1 >= policy.steps.length;
  const round = lastStep ? state.round + 1 : state.round;
  if (round > policy.repeat) return { step, next: { step: 0, round, nextAt: null, stopped: 'finished' } };
  const nextIndex = lastStep ? 0 : state.step + 1;
  // The next step's wait counts from this step's due time, so a late worker does not stretch the schedule.
  const from = Math.max(state.nextAt, now - policy.steps[nextIndex]!.waitMinutes * MINUTE_MS);
  return {
    step,
    next: { step: nextIndex, round, nextAt: from + policy.steps[nextIndex]!.waitMinutes * MINUTE_MS, stopped: null },
  };
}

/** Why an alert change ends its escalation, or null when it runs on. */
export function stopOf(alert: AlertSnapshot): EscalationStop | null {
  if (alert.status === 'acknowledged') return 'acknowledged';
  if (alert.status === 'resolved') return 'resolved';
  if (alert.silenced) return 'silenced';
  return null;
}
