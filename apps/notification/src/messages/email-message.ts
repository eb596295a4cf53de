import type { NotificationContent } from '../providers/provider.js';
import type { TemplateStore } from './templates.js';
import { messageView } from './view.js';

/** Alerts an email lists one by one; the rest are counted in "and N more". */
export const EMAIL_LIST_ITEMS = 200;

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** Subject, text and HTML parts of a notification email (HTML-escaped values in the HTML part). */
export function renderEmail(content: NotificationContent, templates: TemplateStore): EmailMessage {
  const listed = content.alerts.slice(0, EMAIL_LIST_ITEMS);
  const view = messageView({
    ...content,
    alerts: listed,
    omitted: (content.omitted ?? 0) + content.alerts.length - listed.length,
  });
  // A header line: no line breaks (they would end the header), at most 250 characters.
  const subject = Array.from(
    templates.render(content.tenantId, 'email-subject.mustache', view, 'plain').replace(/\s+/g, ' ').trim(),
  )
    .slice(0, 250)
    .join('');
  const text = templates
    .render(content.tenantId, 'email-text.mustache', view, 'plain')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '');
  const html = templates.render(content.tenantId, 'email-html.mustache', { ...view, subject }, 'html');
  return { subject, text, html };
}
