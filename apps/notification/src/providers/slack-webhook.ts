import { IncomingWebhook } from '@slack/webhook';
import { renderSlack, type TemplateStore } from '../messages/index.js';
import { webhookFailure } from './failures.js';
import type { SendRequest, SendResult } from './provider.js';

/**
 * Posts to a `slack-webhook` channel (an incoming-webhook URL): every message stands alone, since a
 * webhook can neither thread nor update. `fetch` is the guarded one for addresses tenants give.
 */
export async function sendSlackWebhook(
  request: SendRequest & { target: { kind: 'slack-webhook' } },
  templates: TemplateStore,
  options: { timeoutMs: number; fetch: typeof fetch },
): Promise<SendResult> {
  let retryAfter: string | null = null;
  const webhook = new IncomingWebhook(request.target.webhookUrl, {
    timeout: options.timeoutMs,
    retryConfig: { retries: 0 },
    // The library keeps no headers on its errors; Retry-After is read here for a 429.
    fetch: async (input, init) => {
      const response = await options.fetch(input, init);
      retryAfter = response.headers.get('retry-after');
      return response;
    },
  });
  const message = renderSlack(request.content, templates);
  try {
    const answer = await webhook.send({ text: message.text, blocks: message.blocks, unfurl_links: false });
    return { providerResponse: { status: 200, text: answer.text } };
  } catch (error) {
    throw webhookFailure(error, retryAfter);
  }
}
