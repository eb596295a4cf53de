import { guardedFetch } from '@vigil/netguard';
import { TemplateStore } from '../messages/index.js';
import { sendEmail, SmtpTransports } from './email.js';
import type { Providers, ProvidersOptions, SendRequest, SendResult } from './provider.js';
import { sendSlack, SlackClients } from './slack.js';
import { sendSlackWebhook } from './slack-webhook.js';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The providers behind every channel kind: Slack (Web API), Slack incoming webhooks and email (SMTP).
 * A failure is thrown as a DeliveryError, transient or permanent; nothing is retried here.
 */
export function createProviders(options: ProvidersOptions = {}): Providers {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const templates = new TemplateStore(options.templatesDir);
  const slackClients = new SlackClients({ slackApiUrl: options.slackApiUrl, timeoutMs });
  const transports = new SmtpTransports(timeoutMs, options.allowedCidrs, options.allowedCidrsVariable);
  const webhookFetch = guardedFetch(options.allowedCidrs ?? [], options.allowedCidrsVariable);
  return {
    send(request: SendRequest): Promise<SendResult> {
      const { target } = request;
      switch (target.kind) {
        case 'slack':
          return sendSlack({ ...request, target }, slackClients, templates);
        case 'slack-webhook':
          return sendSlackWebhook({ ...request, target }, templates, { timeoutMs, fetch: webhookFetch });
        case 'email':
          return sendEmail({ ...request, target }, transports, templates, options);
      }
    },
    close(): Promise<void> {
      transports.close();
      return Promise.resolve();
    },
  };
}
