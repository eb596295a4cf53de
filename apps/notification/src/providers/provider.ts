import type { AlertStatus, Severity } from '@vigil/contracts';
import type { Cidr } from '@vigil/netguard';

export const CHANNEL_KINDS = ['slack', 'slack-webhook', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Where a message goes, with its secrets decrypted (the channel row decrypted by the channels code). */
export type ChannelTarget =
  | { kind: 'slack'; botToken: string; channelId: string }
  | { kind: 'slack-webhook'; webhookUrl: string }
  | { kind: 'email'; to: string[]; smtpUrl?: string; from?: string };

export const MESSAGE_KINDS = [
  'created',
  'retriggered',
  'acknowledged',
  'resolved',
  'analysed',
  'escalation',
  'group',
  'digest',
  'rollup',
  'test',
] as const;
/** Why a message is sent. */
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** One alert as a message shows it (built from AlertSnapshot + the event). */
export interface MessageAlert {
  alertId: string;
  alertType: string;
  severity: Severity;
  status: AlertStatus;
  summary?: string;
  labels: Record<string, string>;
  occurrences: number;
  startedAt: string;
  lastSeenAt: string;
  runbookUrl?: string;
  sourceUrl?: string;
  /** PUBLIC_URL based link to the alert in Vigil. */
  alertUrl?: string;
  /** From alert.analysed. */
  analysis?: { status: string; agent: string; text: string | null };
  /** Who acknowledged/resolved, and their note. */
  by?: string;
  note?: string;
}

export interface NotificationContent {
  tenantId: string;
  kind: MessageKind;
  /** One for a single alert change; several for group / digest / rollup. */
  alerts: MessageAlert[];
  escalation?: { step: number; repeat: number };
  /** rollup/group: alerts not listed individually. */
  omitted?: number;
}

/** The message an alert already has on this channel: follow-ups thread under it, status changes update it. */
export interface ThreadRef {
  slack?: { channel: string; ts: string };
  email?: { messageId: string };
}

export interface SendRequest {
  target: ChannelTarget;
  content: NotificationContent;
  /** Absent: first message of this alert on this channel. */
  thread?: ThreadRef;
  /** Slack only: chat.update the thread's first message (ack/resolve/analysed) in addition to a reply in the thread. */
  update?: boolean;
  /** The delivery id; the email Message-ID derives from it. */
  idempotencyKey: string;
}

export interface SendResult {
  providerResponse: unknown;
  thread?: ThreadRef;
}

/**
 * transient: retry with backoff (network, 5xx, Slack 429 / ratelimited with retryAfterMs, SMTP 4xx);
 * permanent: stop, mark the channel unhealthy (invalid_auth, channel_not_found, SMTP 5xx, 4xx of a webhook URL).
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: 'transient' | 'permanent',
    readonly providerResponse?: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface Providers {
  send(request: SendRequest): Promise<SendResult>;
  close(): Promise<void>;
}

export interface ProvidersOptions {
  /** SLACK_API_URL: the Slack Web API base, e.g. https://slack.com/api/ (any Slack-compatible endpoint). */
  slackApiUrl?: string;
  /** SMTP_URL: the SMTP server for email channels that name none of their own. */
  smtpUrl?: string;
  /** SMTP_FROM: the sender for email channels that name none of their own. */
  smtpFrom?: string;
  /** One provider request's limit; past it the attempt is a transient failure. */
  timeoutMs?: number;
  /** Template files: <templatesDir>/<tenantId>/<name> first, then <templatesDir>/default/<name>. */
  templatesDir?: string;
  /**
   * Incoming-webhook URLs and a channel's own SMTP URL are tenants' input: they reach public addresses only,
   * and these ranges besides (e.g. a relay on the private network). A refused address is a permanent failure.
   * SLACK_API_URL and SMTP_URL are the deployment's own and are not restricted.
   */
  allowedCidrs?: readonly Cidr[];
  /** The setting that holds `allowedCidrs`, named in the refusal message. */
  allowedCidrsVariable?: string;
}
