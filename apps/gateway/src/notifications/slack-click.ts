/** The buttons Vigil's Slack messages carry (their action_id), and what each does to the alert. */
export const SLACK_ACTIONS = {
  vigil_acknowledge: 'acknowledge',
  vigil_resolve: 'resolve',
  vigil_silence_1h: 'silence',
} as const;
export type SlackAction = (typeof SLACK_ACTIONS)[keyof typeof SLACK_ACTIONS];

/** One button click as Slack's block_actions payload describes it. */
export interface SlackClick {
  action: SlackAction;
  /** The button's value: the alert's id. */
  alertId: string;
  /** The message the button is on. */
  channel: string;
  messageTs: string;
  userId: string;
  /** Slack sends no email in block_actions; some Slack-compatible servers do. */
  userEmail: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: unknown, max = 256): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The click in a form-encoded interactivity body (`payload=<json>`), or why it is not one Vigil
 * acts on (another interaction type, another button, a value that is not an alert id).
 */
export function slackClickOf(body: string): SlackClick | { problem: string } {
  const raw = new URLSearchParams(body).get('payload');
  if (raw === null) return { problem: 'the body has no payload field' };
  let payload: Record<string, unknown>;
  try {
    payload = record(JSON.parse(raw));
  } catch {
    return { problem: 'the payload is not JSON' };
  }
  if (payload['type'] !== 'block_actions')
    return { problem: `Vigil does not handle ${String(payload['type'])} interactions` };
  const [first] = Array.isArray(payload['actions']) ? (payload['actions'] as unknown[]) : [];
  const action = record(first);
  const actionId = text(action['action_id']);
  if (actionId === null || !Object.hasOwn(SLACK_ACTIONS, actionId))
    return { problem: `Vigil has no button ${JSON.stringify(actionId)}` };
  const alertId = text(action['value']);
  if (alertId === null || !UUID.test(alertId)) return { problem: 'the button does not name an alert' };
  const container = record(payload['container']);
  const channel = text(container['channel_id']) ?? text(record(payload['channel'])['id']);
  const messageTs = text(container['message_ts']) ?? text(record(payload['message'])['ts']);
  if (channel === null || messageTs === null) return { problem: 'the click does not say which message it is on' };
  const user = record(payload['user']);
  const userId = text(user['id']);
  if (userId === null) return { problem: 'the click does not say who clicked' };
  return {
    action: SLACK_ACTIONS[actionId as keyof typeof SLACK_ACTIONS],
    alertId: alertId.toLowerCase(),
    channel,
    messageTs,
    userId,
    userEmail: text(user['email'], 320),
  };
}
