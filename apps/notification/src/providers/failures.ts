import { ErrorCode as SlackErrorCode } from '@slack/web-api';
import { AddressRefusedError } from '@vigil/netguard';
import { DeliveryError } from './provider.js';

/**
 * Slack error codes that no retry can fix: the token, the channel or the message itself is wrong.
 * Anything else Slack answers is taken as transient (retried with backoff, a bounded number of times).
 */
const PERMANENT_SLACK_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'no_permission',
  'missing_scope',
  'not_allowed_token_type',
  'ekm_access_denied',
  'team_access_not_granted',
  'org_login_required',
  'access_denied',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'msg_too_long',
  'msg_blocks_too_long',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_arguments',
  'invalid_arg_name',
  'invalid_form_data',
  'invalid_post_type',
  'too_many_attachments',
  'no_text',
  'cant_update_message',
  'edit_window_closed',
  'user_not_found',
]);

/** HTTP statuses worth a retry; every other 4xx is the request's or the address's fault. */
const TRANSIENT_HTTP = new Set([408, 425, 429]);

/** A Slack Web API failure (from @slack/web-api's WebClient) as a DeliveryError. */
export function slackFailure(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = error as {
    code?: string;
    data?: { error?: string; response_metadata?: unknown };
    retryAfter?: number;
    statusCode?: number;
    headers?: Record<string, string>;
    original?: Error;
    message?: string;
  };
  switch (e.code) {
    case SlackErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      const metadata = e.data?.response_metadata;
      const response = {
        error: code,
        ...(metadata && Object.keys(metadata).length > 0 ? { response_metadata: metadata } : {}),
      };
      if (code === 'ratelimited' || code === 'rate_limited')
        return new DeliveryError(`Slack: ${code}`, 'transient', response, 1000);
      return new DeliveryError(
        `Slack: ${code}`,
        PERMANENT_SLACK_ERRORS.has(code) ? 'permanent' : 'transient',
        response,
      );
    }
    case SlackErrorCode.RateLimitedError: {
      const seconds = Number.isFinite(e.retryAfter) ? Number(e.retryAfter) : 1;
      return new DeliveryError(
        `Slack: rate limited, retry after ${seconds} s`,
        'transient',
        { status: 429, retryAfter: seconds },
        seconds * 1000,
      );
    }
    case SlackErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      const retryAfterMs = retryAfterHeader(e.headers?.['retry-after']);
      return new DeliveryError(
        `Slack: HTTP ${status}`,
        status >= 500 || TRANSIENT_HTTP.has(status) ? 'transient' : 'permanent',
        { status },
        retryAfterMs,
      );
    }
    case SlackErrorCode.RequestError:
      return new DeliveryError(`Slack: request failed: ${causeText(e.original ?? error)}`, 'transient', {
        error: causeText(e.original ?? error),
      });
    default:
      return new DeliveryError(`Slack: ${e.message ?? String(error)}`, 'transient', {
        error: e.message ?? String(error),
      });
  }
}

/**
 * An incoming-webhook failure (from @slack/webhook) as a DeliveryError: 404/410 (deleted: no_service),
 * 403 (invalid_token, revoked), any other 4xx but 408/429 and an address refused as private are permanent;
 * 5xx, 429 and no answer transient.
 */
export function webhookFailure(error: unknown, retryAfter?: string | null): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = error as { statusCode?: number; body?: string; original?: Error; message?: string; name?: string };
  if (typeof e.statusCode === 'number') {
    const status = e.statusCode;
    const body = typeof e.body === 'string' ? e.body.slice(0, 200) : undefined;
    const transient = status >= 500 || TRANSIENT_HTTP.has(status);
    return new DeliveryError(
      `Slack webhook: HTTP ${status}${body ? ` ${body}` : ''}`,
      transient ? 'transient' : 'permanent',
      { status, ...(body ? { body } : {}) },
      status === 429 ? (retryAfterHeader(retryAfter ?? undefined) ?? 1000) : undefined,
    );
  }
  const refused = refusedAddress(e.original ?? error);
  if (refused) return new DeliveryError(`Slack webhook: ${refused.message}`, 'permanent', { error: refused.message });
  const message = causeText(e.original ?? error);
  return new DeliveryError(`Slack webhook: request failed: ${message}`, 'transient', { error: message });
}

/**
 * An SMTP failure (from nodemailer) as a DeliveryError: a 4xx reply is transient (421 closing, 450/451/452
 * try later), a 5xx reply permanent (550 no such mailbox, 535 authentication failed, 554 refused);
 * no reply at all (connection refused or closed, timeout, DNS) transient; an address refused as private permanent.
 */
export function smtpFailure(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const e = error as { responseCode?: number; response?: string; code?: string; command?: string; message?: string };
  const response = {
    ...(e.responseCode ? { responseCode: e.responseCode } : {}),
    ...(e.response ? { response: e.response } : {}),
    ...(e.code ? { code: e.code } : {}),
    ...(e.command ? { command: e.command } : {}),
  };
  const refused = refusedAddress(error);
  if (refused) return new DeliveryError(`SMTP: ${refused.message}`, 'permanent', { error: refused.message });
  const message = `SMTP: ${e.response ?? e.message ?? String(error)}`;
  if (typeof e.responseCode === 'number' && e.responseCode >= 500)
    return new DeliveryError(message, 'permanent', response);
  if (typeof e.responseCode === 'number' && e.responseCode >= 400)
    return new DeliveryError(message, 'transient', response);
  // Configuration and credentials do not fix themselves.
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.code === 'ECONFIG' || e.code === 'EENVELOPE')
    return new DeliveryError(message, 'permanent', response);
  return new DeliveryError(message, 'transient', response);
}

/** The address refusal (a private address not allowed) somewhere in an error's cause chain. */
function refusedAddress(error: unknown): AddressRefusedError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof AddressRefusedError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An error's message with its causes' (`fetch failed: connect ECONNREFUSED 127.0.0.1:9`). */
function causeText(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.includes(message)) parts.push(message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ') || 'unknown error';
}

/** Retry-After in seconds (or an HTTP date) as milliseconds. */
function retryAfterHeader(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
