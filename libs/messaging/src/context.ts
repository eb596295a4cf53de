import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line and outgoing message inherits while a message (or request) is being handled. */
export interface MessageContext {
  correlationId: string;
  tenantId?: string;
  service?: string;
  /** Id of the envelope being handled, when inside a message handler. */
  envelopeId?: string;
  /** Routing key or RPC pattern being handled. */
  messageType?: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

/** Runs `fn` with `context` as the current message context (nested calls see the innermost one). */
export function runInMessageContext<T>(context: MessageContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the message being handled, or undefined outside any handler. */
export function currentMessageContext(): MessageContext | undefined {
  return storage.getStore();
}
