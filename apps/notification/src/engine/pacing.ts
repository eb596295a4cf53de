/**
 * Slack accepts about one message a second per channel. Each channel's turns are kept in the database
 * (notification_channel_pace), so the pace holds across the service's replicas.
 */
export const SLACK_PACE_MS = 1_000;
/** Alerts listed one by one in a roll-up; the rest are counted. */
export const ROLLUP_LISTED = 20;

/** Messages waiting for one paced channel beyond which they are rolled up rather than sent one a turn. */
export const ROLLUP_AFTER = 3;

/**
 * What goes to a paced channel at its turn: the first waiting message, the others waiting for the next
 * turns, while only a few wait; past ROLLUP_AFTER, all of them as one roll-up listing the first
 * ROLLUP_LISTED and counting the others. Nothing is dropped: every waiting message is sent or carried.
 */
export function messageFor<T>(
  waiting: readonly T[],
): { single: T; later: T[] } | { rollup: T[]; listed: T[]; omitted: number } {
  if (waiting.length === 0) throw new RangeError('nothing to send');
  if (waiting.length <= ROLLUP_AFTER) return { single: waiting[0]!, later: waiting.slice(1) };
  const listed = waiting.slice(0, ROLLUP_LISTED);
  return { rollup: [...waiting], listed, omitted: waiting.length - listed.length };
}
