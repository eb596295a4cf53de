/** What the engine takes from the service's configuration. */
export interface EngineOptions {
  /** PUBLIC_URL: messages link to the alert in Vigil. */
  publicUrl?: string;
  /** How often the worker looks for due work when nothing woke it. */
  pollMs: number;
  /** Days settled deliveries and their attempts are kept (DEFAULT_DELIVERY_RETENTION_DAYS when absent). */
  retentionDays?: number;
}

export const ENGINE_OPTIONS = Symbol('ENGINE_OPTIONS');

/** The providers (Slack, webhook, email) the worker sends through. */
export const NOTIFICATION_PROVIDERS = Symbol('NOTIFICATION_PROVIDERS');
