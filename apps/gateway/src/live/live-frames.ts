import { isUUID } from 'class-validator';

/**
 * The WebSocket protocol of /api/v1/ws (README, "Live updates"): what a client may send, read
 * without trusting it, and the frames the gateway answers with.
 */
export const LIVE_PATH = '/api/v1/ws';

export const LIVE_TOPICS = ['alerts', 'alert', 'investigations', 'session'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];
/** Topics about one object, named by `id`. */
const TOPICS_WITH_ID: ReadonlySet<LiveTopic> = new Set(['alert', 'session']);

/** A subscription: `alerts`, `investigations`, `alert:<id>` or `session:<id>`. */
export type TopicKey = string;

export interface TopicRef {
  topic: LiveTopic;
  id?: string;
}

export type ClientFrame =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; ref: TopicRef; after?: string }
  | { type: 'unsubscribe'; ref: TopicRef };

export type FrameProblem = { code: 'bad_frame' | 'bad_topic' | 'bad_id'; message: string; ref?: Partial<TopicRef> };

/** Close codes besides the standard ones (1001 going away, 1009 too big, 1011 server error). */
export const CloseCodes = {
  Unauthenticated: 4401,
  Forbidden: 4403,
  TooSlow: 4008,
  TooManyFrames: 4429,
  Unavailable: 4503,
} as const;

export function keyOf(ref: TopicRef): TopicKey {
  return ref.id === undefined ? ref.topic : `${ref.topic}:${ref.id}`;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads one text frame; a problem names what is wrong, for the error frame. */
export function parseClientFrame(text: string): ClientFrame | FrameProblem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { code: 'bad_frame', message: 'a frame must be a JSON object' };
  }
  if (!isObject(value)) return { code: 'bad_frame', message: 'a frame must be a JSON object' };
  const { type } = value;
  if (type === 'auth') {
    if (typeof value.token !== 'string' || value.token.trim() === '')
      return { code: 'bad_frame', message: 'token: must be a non-empty string' };
    return { type, token: value.token.trim() };
  }
  if (type !== 'subscribe' && type !== 'unsubscribe')
    return { code: 'bad_frame', message: 'type: must be one of auth, subscribe, unsubscribe' };
  const { topic, id, after } = value;
  if (typeof topic !== 'string' || !(LIVE_TOPICS as readonly string[]).includes(topic))
    return {
      code: 'bad_topic',
      message: `topic: must be one of ${LIVE_TOPICS.join(', ')}`,
      ...(typeof topic === 'string' ? { ref: { topic: topic.slice(0, 64) as LiveTopic } } : {}),
    };
  const liveTopic = topic as LiveTopic;
  let ref: TopicRef;
  if (TOPICS_WITH_ID.has(liveTopic)) {
    if (typeof id !== 'string' || !isUUID(id))
      return {
        code: 'bad_id',
        message: `id: the ${liveTopic} topic needs the ${liveTopic}'s id (a UUID)`,
        ref: { topic: liveTopic },
      };
    ref = { topic: liveTopic, id: id.toLowerCase() };
  } else {
    if (id !== undefined)
      return { code: 'bad_id', message: `id: the ${liveTopic} topic takes no id`, ref: { topic: liveTopic } };
    ref = { topic: liveTopic };
  }
  if (type === 'unsubscribe') return { type, ref };
  if (after !== undefined && (typeof after !== 'string' || !isUUID(after)))
    return { code: 'bad_frame', message: 'after: must be the id of an event received before (a UUID)', ref };
  return after === undefined ? { type, ref } : { type, ref, after: after.toLowerCase() };
}

/** A close reason fits in 123 bytes of UTF-8 (RFC 6455). */
export function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
