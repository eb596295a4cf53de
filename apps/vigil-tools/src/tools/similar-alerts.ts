import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ALERTS_TOKEN_META } from '@vigil/contracts';
import { z } from 'zod';
import { answer, toolError } from './common.js';

const TIMEOUT_MS = 10_000;

export const similarAlertsInput = {
  fingerprint: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe("Alerts with this fingerprint (the same alert firing again); default the investigated alert's"),
  alertType: z.string().min(1).max(256).optional().describe("Alerts of this type; default the investigated alert's"),
  limit: z.number().int().min(1).max(50).optional().describe('At most this many alerts, 1 to 50'),
};

export const SIMILAR_ALERTS_DESCRIPTION =
  'Past alerts of this tenant like the one under investigation (same fingerprint, or the same type), newest ' +
  'first, each with its status, when it started and was resolved, the resolution note and the analysis it ' +
  'got. With no arguments, alerts like the investigated one. Available only inside a Vigil investigation.';

type SimilarAlertsArgs = {
  fingerprint?: string | undefined;
  alertType?: string | undefined;
  limit?: number | undefined;
};

export const OUTSIDE_INVESTIGATION =
  'similar_alerts is only available inside a Vigil investigation: the agent runner gives the tools the ' +
  "address of the alert service (VIGIL_ALERTS_URL) and each call the investigation's token.";

/**
 * Asks the agent runner for similar alerts. The token in the call's `_meta` is the only thing that
 * names the tenant: a tool argument never does, so a model cannot ask for another tenant's alerts.
 */
export async function findSimilarAlerts(
  args: SimilarAlertsArgs,
  meta: Record<string, unknown> | undefined,
  alertsUrl: string | undefined,
): Promise<CallToolResult> {
  const token = meta?.[ALERTS_TOKEN_META];
  if (!alertsUrl || typeof token !== 'string' || token === '') return toolError(OUTSIDE_INVESTIGATION);
  let response: Response;
  try {
    response = await fetch(alertsUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ fingerprint: args.fingerprint, alertType: args.alertType, limit: args.limit }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${TIMEOUT_MS} ms`
        : String((error as Error).message);
    return toolError(`similar_alerts could not reach the alert service: ${cause}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | undefined)?.message;
    return toolError(
      `similar_alerts failed: the alert service answered ${response.status}${typeof message === 'string' ? `: ${message}` : ''}`,
    );
  }
  if (!Array.isArray(body)) return toolError('similar_alerts failed: the alert service did not answer with a list');
  return answer(body);
}
