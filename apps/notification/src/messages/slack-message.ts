import type { NotificationContent } from '../providers/provider.js';
import type { TemplateStore } from './templates.js';
import { escapeMrkdwn as escape, slackLink, truncate } from './text.js';
import { messageView, type AlertView, type MessageView } from './view.js';

/** Slack's Block Kit limits (https://api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonValue: 2000,
  buttonText: 75,
  /** The message's fallback `text` (notifications, screen readers); Slack truncates past 40,000. */
  text: 3000,
} as const;

/** Button action ids; the value is the alert id. */
export const SLACK_ACTIONS = {
  acknowledge: 'vigil_acknowledge',
  resolve: 'vigil_resolve',
  silence1h: 'vigil_silence_1h',
} as const;

/** Alerts a list message (group, digest, roll-up) shows one by one before "and N more". */
export const SLACK_LIST_ITEMS = 20;

export type SlackBlock = Record<string, unknown> & { type: string };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/**
 * The Block Kit message for a notification, within Slack's limits (long texts cut and marked with "…").
 * `reply`: the short form posted in an alert's thread for a follow-up (status change, analysis).
 */
export function renderSlack(
  content: NotificationContent,
  templates: TemplateStore,
  options: { reply?: boolean } = {},
): SlackMessage {
  const view = messageView(content);
  const title = clean(templates.render(content.tenantId, 'slack-title.mustache', view, 'plain'));
  const text = truncate(title, SLACK_LIMITS.text);
  if (options.reply && view.alert) {
    const reply = clean(templates.render(content.tenantId, 'slack-reply.mustache', view, 'mrkdwn'));
    return { text, blocks: [section(reply || title)] };
  }
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText), emoji: true } },
  ];
  if (view.list) blocks.push(...listBlocks(content, view, templates));
  else blocks.push(...singleBlocks(content, view, templates));
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

function singleBlocks(content: NotificationContent, view: MessageView, templates: TemplateStore): SlackBlock[] {
  const body = clean(templates.render(content.tenantId, 'slack-body.mustache', view, 'mrkdwn'));
  const alert = view.alert;
  if (!alert) return body ? [section(body)] : [];
  const fields = [
    field('Severity', alert.SEVERITY),
    field('Status', alert.statusText),
    field('Alert type', alert.alertType),
    field('Occurrences', String(alert.occurrences)),
    ...alert.keyLabels.map((label) => field(label.name, label.value)),
  ].slice(0, SLACK_LIMITS.fields);
  const blocks: SlackBlock[] = [{ ...section(body || `*${alert.alertType}*`), fields }];
  if (alert.analysis)
    blocks.push(section(`*Analysis* (${escape(alert.analysis.agent)}):\n${escape(alert.analysis.text)}`));
  blocks.push({ type: 'context', elements: [startedElement(alert), ...linkElements(alert)] });
  // A test message's alert is made up: nothing to acknowledge.
  const buttons = view.test ? [] : actionButtons(alert);
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'vigil_actions', elements: buttons });
  return blocks;
}

function listBlocks(content: NotificationContent, view: MessageView, templates: TemplateStore): SlackBlock[] {
  const shown = view.alerts.slice(0, SLACK_LIST_ITEMS);
  const lines = shown.map((alert) =>
    truncate(clean(templates.render(content.tenantId, 'slack-item.mustache', alert, 'mrkdwn')), 1000),
  );
  const blocks: SlackBlock[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      blocks.push(section(current));
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) blocks.push(section(current));
  const more = view.alerts.length - shown.length + view.omitted;
  if (more > 0) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${more} more`)] });
  return blocks;
}

function actionButtons(alert: AlertView): SlackBlock[] {
  if (alert.resolved) return [];
  const value = truncate(alert.alertId, SLACK_LIMITS.buttonValue);
  const button = (actionId: string, label: string, style?: 'primary' | 'danger'): SlackBlock => ({
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: label },
    value,
    ...(style ? { style } : {}),
  });
  return [
    ...(alert.acknowledged ? [] : [button(SLACK_ACTIONS.acknowledge, 'Acknowledge', 'primary')]),
    button(SLACK_ACTIONS.resolve, 'Resolve'),
    button(SLACK_ACTIONS.silence1h, 'Silence 1h'),
  ];
}

function linkElements(alert: AlertView): SlackBlock[] {
  const links = [
    alert.alertUrl && slackLink(alert.alertUrl, 'Open in Vigil'),
    alert.sourceUrl && slackLink(alert.sourceUrl, 'Source'),
    alert.runbookUrl && slackLink(alert.runbookUrl, 'Runbook'),
  ].filter((link): link is string => Boolean(link));
  return links.length ? [mrkdwn(truncate(links.join('  ·  '), SLACK_LIMITS.sectionText))] : [];
}

/** When the alert started, shown by Slack in each reader's own time zone. */
function startedElement(alert: AlertView): SlackBlock {
  const seconds = Math.floor(Date.parse(alert.startedAt) / 1000);
  if (!Number.isFinite(seconds)) return mrkdwn(`Started ${escape(alert.startedAtText)}`);
  return mrkdwn(`Started <!date^${seconds}^{date_short_pretty} at {time}|${escape(alert.startedAtText)}>`);
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(truncate(text, SLACK_LIMITS.sectionText)) };
}

function field(name: string, value: string): SlackBlock {
  return mrkdwn(truncate(`*${escape(name)}*\n${escape(value)}`, SLACK_LIMITS.fieldText));
}

function mrkdwn(text: string): SlackBlock {
  return { type: 'mrkdwn', text };
}

/** Rendered template text without blank lines or trailing spaces. */
function clean(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .join('\n')
    .trim();
}
