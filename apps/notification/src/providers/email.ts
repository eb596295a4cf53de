import { createTransport, type Transporter } from 'nodemailer';
import { renderEmail, type TemplateStore } from '../messages/index.js';
import { smtpFailure } from './failures.js';
import { DeliveryError, type SendRequest, type SendResult } from './provider.js';

/** Pooled SMTP transports, one per SMTP URL, kept until close(). */
export class SmtpTransports {
  private readonly transports = new Map<string, Transporter>();

  constructor(private readonly timeoutMs: number) {}

  get(smtpUrl: string): Transporter {
    let transport = this.transports.get(smtpUrl);
    if (!transport) {
      transport = createTransport({
        url: smtpUrl,
        pool: true,
        maxConnections: 5,
        // A message whose connection closed is not sent again here: the delivery scheduler retries, and records it.
        maxRequeues: 0,
        connectionTimeout: this.timeoutMs,
        greetingTimeout: this.timeoutMs,
        socketTimeout: this.timeoutMs,
        // Messages are made here from templates: nothing may pull in local files or remote URLs.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      this.transports.set(smtpUrl, transport);
    }
    return transport;
  }

  close(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }
}

/** The Message-ID of a delivery's email: the same delivery always gets the same id. */
export function emailMessageId(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@vigil>`;
}

/**
 * Sends to an `email` channel, with an HTML and a text part. The alert's first email's Message-ID is its
 * thread: later ones carry it in In-Reply-To and References, so mail clients show them together.
 */
export async function sendEmail(
  request: SendRequest & { target: { kind: 'email' } },
  transports: SmtpTransports,
  templates: TemplateStore,
  defaults: { smtpUrl?: string; smtpFrom?: string },
): Promise<SendResult> {
  const { target } = request;
  const smtpUrl = target.smtpUrl || defaults.smtpUrl;
  if (!smtpUrl)
    throw new DeliveryError('email: no SMTP server (the channel names none and SMTP_URL is not set)', 'permanent');
  if (target.to.length === 0) throw new DeliveryError('email: the channel has no recipients', 'permanent');
  const from = target.from || defaults.smtpFrom || 'Vigil <vigil@localhost>';
  const message = renderEmail(request.content, templates);
  const messageId = emailMessageId(request.idempotencyKey);
  const parent = request.thread?.email?.messageId;
  try {
    const info = await transports.get(smtpUrl).sendMail({
      from,
      to: target.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId,
      ...(parent ? { inReplyTo: parent, references: [parent] } : {}),
      headers: { 'X-Vigil-Tenant': request.content.tenantId, 'Auto-Submitted': 'auto-generated' },
    });
    return {
      providerResponse: {
        messageId: info.messageId,
        response: info.response,
        accepted: info.accepted,
        rejected: info.rejected,
      },
      thread: request.thread?.email ? request.thread : { ...request.thread, email: { messageId } },
    };
  } catch (error) {
    throw smtpFailure(error);
  }
}
