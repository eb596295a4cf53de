import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may be from now, either side, as Slack advises. */
export const SLACK_SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SlackSignatureFailure = 'missing_header' | 'stale_timestamp' | 'bad_signature';

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: SlackSignatureFailure; message: string };

export interface SlackSignedRequest {
  signingSecret: string;
  /** The X-Slack-Request-Timestamp header (Unix seconds). */
  timestamp: string | undefined;
  /** The X-Slack-Signature header (`v0=` and 64 hex digits). */
  signature: string | undefined;
  /** The body exactly as received, before any parsing. */
  rawBody: string | Buffer;
  /** Milliseconds since the epoch; Date.now() when absent. */
  now?: number;
}

/** Slack's v0 signature of a request body: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the signing secret. */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', signingSecret);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

/**
 * Checks a request from Slack (interactivity, slash commands): the timestamp within five minutes of now,
 * either side, and the signature compared in constant time. The window alone lets a captured request be
 * replayed within it; pair this with a SlackReplayGuard.
 */
export function verifySlackSignature(request: SlackSignedRequest): SlackSignatureCheck {
  const { signingSecret, timestamp, signature, rawBody } = request;
  if (!timestamp) return fail('missing_header', 'X-Slack-Request-Timestamp header missing');
  if (!signature) return fail('missing_header', 'X-Slack-Signature header missing');
  if (!/^\d{1,12}$/.test(timestamp)) return fail('stale_timestamp', 'X-Slack-Request-Timestamp is not Unix seconds');
  const nowSeconds = Math.floor((request.now ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_SIGNATURE_WINDOW_SECONDS)
    return fail('stale_timestamp', 'X-Slack-Request-Timestamp is more than five minutes from now');
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals only the length, which is public.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail('bad_signature', 'X-Slack-Signature does not match the body');
  return { ok: true };
}

function fail(reason: SlackSignatureFailure, message: string): SlackSignatureCheck {
  return { ok: false, reason, message };
}

/**
 * Remembers the signatures accepted within the signature window, so the same signed request is taken
 * once: a second arrival within the window is a replay (after it, the timestamp check refuses it anyway).
 * Bounded: past `maxEntries` the expired ones are dropped, then the oldest. In memory, per process.
 */
export class SlackReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time a signature is offered within its window (and records it); false for a replay. */
  firstUse(signature: string, timestamp: string): boolean {
    const now = this.now();
    const expiresAt = (Number(timestamp) + SLACK_SIGNATURE_WINDOW_SECONDS) * 1000;
    const known = this.seen.get(signature);
    if (known !== undefined && known >= now) return false;
    if (known !== undefined) this.seen.delete(signature);
    if (this.seen.size >= this.maxEntries) this.sweep(now);
    this.seen.set(signature, expiresAt);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(now: number): void {
    for (const [signature, expiresAt] of this.seen) if (expiresAt < now) this.seen.delete(signature);
    while (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }
}
