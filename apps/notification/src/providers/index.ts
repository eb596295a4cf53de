export {
  CHANNEL_KINDS,
  MESSAGE_KINDS,
  DeliveryError,
  type ChannelKind,
  type ChannelTarget,
  type MessageAlert,
  type MessageKind,
  type NotificationContent,
  type Providers,
  type ProvidersOptions,
  type SendRequest,
  type SendResult,
  type ThreadRef,
} from './provider.js';
export { createProviders } from './providers.js';
export { slackUserEmail, createSlackClient } from './slack.js';
export { emailMessageId } from './email.js';
export { slackFailure, webhookFailure, smtpFailure } from './failures.js';
