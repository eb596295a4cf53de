export {
  renderSlack,
  SLACK_ACTIONS,
  SLACK_LIMITS,
  SLACK_LIST_ITEMS,
  type SlackBlock,
  type SlackMessage,
} from './slack-message.js';
export { renderEmail, EMAIL_LIST_ITEMS, type EmailMessage } from './email-message.js';
export { TemplateStore, TEMPLATE_NAMES, shippedTemplatesDir, type TemplateName, type Escaping } from './templates.js';
export { messageView, alertView, type AlertView, type MessageView } from './view.js';
export { truncate, escapeMrkdwn, safeUrl, slackLink } from './text.js';
