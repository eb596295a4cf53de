import { raw, type RequestHandler } from 'express';

/** Slack's interactivity payloads are a few kilobytes; this bounds what the route reads. */
const SLACK_ACTIONS_MAX_BYTES = 256 * 1024;

/**
 * Keeps the Slack actions route's body as the exact bytes received (req.body: Buffer), before any
 * parser: Slack signs those bytes, so the signature is checked on them, then the form is read.
 * Its content type is checked after authentication, as every route's (JsonBodyInterceptor).
 */
export function slackActionsRawBody(): RequestHandler {
  return raw({ type: () => true, limit: SLACK_ACTIONS_MAX_BYTES });
}
