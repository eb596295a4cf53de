import net from 'node:net';
import { AddressRefusedError, guardedLookup, isPublicAddress, type Cidr } from '@vigil/netguard';
import { createTransport, type Transporter } from 'nodemailer';
import { renderEmail, type TemplateStore } from '../messages/index.js';
import { smtpFailure } from './failures.js';
import { DeliveryError, type SendRequest, type SendResult } from './provider.js';

/**
 * Pooled SMTP transports, one per SMTP URL, kept until close(). A channel's own SMTP URL is a tenant's
 * input: its connections reach public addresses only (and `allowed`), checked as each socket connects.
 */
export class SmtpTransports {
  private readonly transports = new Map<string, Transporter>();

  constructor(
    private readonly timeoutMs: number,
    private readonly allowed: readonly Cidr[] = [],
    private readonly allowKey = 'allowedCidrs',
  ) {}

  get(smtpUrl: string, guarded: boolean): Transporter {
    const key = `${guarded ? 'guarded' : 'trusted'} ${smtpUrl}`;
    let transport = this.transports.get(key);
    if (!transport) {
      transport = createTransport({
        url: smtpUrl,
        ...(guarded ? { getSocket: this.guardedSocket } : {}),
        pool: true,
        maxConnections: 5,
        maxMessages: 500,
        // A message whose connection closed is not sent again here: the delivery scheduler retries, and records it.
        maxRequeues: 0,
        connectionTimeout: this.timeoutMs,
        greetingTimeout: this.timeoutMs,
        socketTimeout: this.timeoutMs,
        // Messages are made here from templates: nothing may pull in local files or remote URLs.
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      this.transports.set(key, transport);
    }
    return transport;
  }

  /** nodemailer's getSocket: a TCP connection whose address was checked, then handed over opened. */
  private readonly guardedSocket = (
    options: { host?: string; port?: number },
    callback: (error: Error | null, socketOptions?: { connection: net.Socket }) => void,
  ): void => {
    const host = (options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    if (net.isIP(host) && !isPublicAddress(host, this.allowed))
      return callback(new AddressRefusedError(host, host, this.allowKey));
    let settled = false;
    const settle = (error: Error | null, socket?: net.Socket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        socket?.destroy();
        callback(error);
      } else callback(null, { connection: socket! });
    };
    const socket = net.connect({ host, port: options.port ?? 25, lookup: guardedLookup(this.allowed, this.allowKey) });
    const timer = setTimeout(
      () => settle(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' }), socket),
      this.timeoutMs,
    );
    socket.once('connect', () => settle(null, socket));
    socket.once('error', (error) => settle(error, socket));
  };

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
  // The deployment's SMTP_URL is trusted (often a relay on the private network); a channel's own is not.
  const guarded = Boolean(target.smtpUrl);
  if (!smtpUrl)
    throw new DeliveryError('email: no SMTP server (the channel names none and SMTP_URL is not set)', 'permanent');
  if (target.to.length === 0) throw new DeliveryError('email: the channel has no recipients', 'permanent');
  const from = target.from || defaults.smtpFrom || 'Vigil <vigil@localhost>';
  const message = renderEmail(request.content, templates);
  const messageId = emailMessageId(request.idempotencyKey);
  const parent = request.thread?.email?.messageId;
  try {
    const info = await transports.get(smtpUrl, guarded).sendMail({
      from,
      to: target.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId,
      ...(parent ? { inReplyTo: parent, references: [parent] } : {}),
      headers: { 'Auto-Submitted': 'auto-generated' },
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
